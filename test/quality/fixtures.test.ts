import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import mammoth from 'mammoth';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { normalise } from '../../scripts/bench/quality-score.js';
import { harborGold } from '../../scripts/fixtures/gold-harbor.js';
import { northwindGold } from '../../scripts/fixtures/gold-northwind.js';
import { CORPORA, makeCorpus, type CorpusName } from '../../scripts/fixtures/make-corpus.js';
import { documentText, type Gold } from '../../scripts/fixtures/model.js';

const STANDARD_FONTS = `${path.join(path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json')), 'standard_fonts')}/`;

function listFiles(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

/** Each page's text lines: the strings pdf.js gives at one baseline, left to right. */
async function pdfLines(file: string): Promise<string[][]> {
  const task = getDocument({ data: new Uint8Array(fs.readFileSync(file)), isEvalSupported: false, standardFontDataUrl: STANDARD_FONTS, verbosity: 0 });
  const pdf = await task.promise;
  try {
    const pages: string[][] = [];
    for (let n = 1; n <= pdf.numPages; n++) {
      const content = await (await pdf.getPage(n)).getTextContent();
      const lines = new Map<number, Array<{ x: number; str: string }>>();
      for (const item of content.items) {
        if (!('str' in item) || !item.str.trim()) continue;
        const y = Math.round(item.transform[5] as number);
        lines.set(y, [...(lines.get(y) ?? []), { x: item.transform[4] as number, str: item.str }]);
      }
      pages.push([...lines.entries()].sort((a, b) => b[0] - a[0]).map(([, items]) => items.sort((a, b) => a.x - b.x).map((i) => i.str).join(' ')));
    }
    return pages;
  } finally {
    await task.destroy();
  }
}

const docs = (name: CorpusName, ext: string) => CORPORA[name].documents.filter((d) => d.path.endsWith(ext));

describe('make-corpus: northwind', () => {
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-fixtures-'));
    await makeCorpus('northwind', dir);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 20+ documents: 5+ PDF, 5+ DOCX, plain text, HTML, and older vintages in archive/', () => {
    const files = listFiles(dir);
    const count = (ext: string) => files.filter((f) => f.endsWith(ext)).length;
    expect(files.length).toBeGreaterThanOrEqual(20);
    expect(count('.pdf')).toBeGreaterThanOrEqual(5);
    expect(count('.docx')).toBeGreaterThanOrEqual(5);
    expect(count('.txt')).toBeGreaterThanOrEqual(2);
    expect(count('.html')).toBeGreaterThanOrEqual(1);
    expect(files.filter((f) => f.startsWith('archive/')).length).toBeGreaterThanOrEqual(2);
    expect(files.sort()).toEqual(CORPORA.northwind.documents.map((d) => d.path).sort());
  });

  it('writes PDFs that pdf.js opens, with the title on page 1 and "Page N" at the foot of every page', async () => {
    for (const doc of docs('northwind', '.pdf')) {
      const pages = await pdfLines(path.join(dir, doc.path));
      expect(normalise(pages[0]!.join(' ')), doc.path).toContain(normalise(doc.title));
      pages.forEach((lines, i) => expect(lines.at(-1), `${doc.path} page ${i + 1}`).toBe(`Page ${i + 1}`));
    }
    expect((await pdfLines(path.join(dir, 'finance/fy2025-annual-report.pdf'))).length).toBeGreaterThan(1);
  });

  it('draws every table row of a PDF on one line, cell by cell', async () => {
    for (const doc of docs('northwind', '.pdf')) {
      const lines = (await pdfLines(path.join(dir, doc.path))).flat();
      for (const block of doc.blocks) {
        if (block.kind !== 'table') continue;
        for (const row of [block.columns, ...block.rows]) expect(lines, doc.path).toContain(row.join(' '));
      }
    }
  });

  it('writes Word files that mammoth opens, with the title as <h1>, real tables and lists', async () => {
    for (const doc of docs('northwind', '.docx')) {
      const { value: html } = await mammoth.convertToHtml({ path: path.join(dir, doc.path) });
      expect(html, doc.path).toContain(`<h1>${doc.title}</h1>`);
      expect(html, doc.path).toMatch(/<h2>/);
      if (doc.blocks.some((b) => b.kind === 'table')) expect(html, doc.path).toContain('<table>');
      if (doc.blocks.some((b) => b.kind === 'list' && b.ordered)) expect(html, doc.path).toContain('<ol>');
      if (doc.blocks.some((b) => b.kind === 'list' && !b.ordered)) expect(html, doc.path).toContain('<ul>');
    }
  });

  it('is deterministic: a second run writes the same bytes, and every mtime is the fixed date', async () => {
    const again = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-fixtures-'));
    try {
      await makeCorpus('northwind', again);
      const files = listFiles(dir);
      expect(files.filter((f) => f.endsWith('.md')).length).toBeGreaterThan(0);
      for (const file of files) {
        expect(fs.readFileSync(path.join(again, file)).equals(fs.readFileSync(path.join(dir, file))), file).toBe(true);
        expect(fs.statSync(path.join(dir, file)).mtime.toISOString(), file).toBe(CORPORA.northwind.mtime);
      }
    } finally {
      fs.rmSync(again, { recursive: true, force: true });
    }
  });
});

describe('make-corpus: harbor', () => {
  it('writes 8+ documents, mostly plain text and HTML, with a superseded policy in old/', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-fixtures-'));
    try {
      await makeCorpus('harbor', dir);
      const files = listFiles(dir);
      expect(files.length).toBeGreaterThanOrEqual(8);
      expect(files.filter((f) => /\.(txt|html)$/.test(f)).length).toBeGreaterThan(files.length / 2);
      expect(fs.readFileSync(path.join(dir, 'old/anchorage-and-pilotage-2023.txt'), 'utf8')).toMatch(/SUPERSEDED/);
      const pdf = docs('harbor', '.pdf')[0]!;
      expect(normalise((await pdfLines(path.join(dir, pdf.path)))[0]!.join(' '))).toContain(normalise(pdf.title));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.each([
  ['northwind', northwindGold, 15],
  ['harbor', harborGold, 8],
] as Array<[CorpusName, Gold, number]>)('gold: %s', (name, gold, minFacts) => {
  const corpus = CORPORA[name];
  const text = new Map(corpus.documents.map((d) => [d.path, normalise(documentText(d))]));
  const facts = [...gold.briefs, ...gold.questions].flatMap((t) => t.facts);
  const stale = new Set(gold.stalePaths);

  it('has enough facts, briefs, questions and unanswerable questions, and only real paths', () => {
    expect(facts.length).toBeGreaterThanOrEqual(minFacts);
    expect(gold.unanswerable.length).toBeGreaterThanOrEqual(5);
    if (name === 'northwind') {
      expect(gold.briefs.length).toBeGreaterThanOrEqual(2);
      expect(gold.questions.length).toBeGreaterThanOrEqual(3);
    }
    for (const p of [...gold.distractors, ...gold.stalePaths]) expect(text.has(p), p).toBe(true);
    for (const task of gold.briefs) {
      const parts = Number(/\((\d)\)[^()]*$/.exec(task.task)?.[1]);
      for (let part = 1; part <= parts; part++) expect(task.facts.some((f) => f.part === part), `${task.id} part ${part}`).toBe(true);
    }
  });

  it('takes every fact string verbatim from a current, on-topic document', () => {
    const current = [...text].filter(([p]) => !stale.has(p) && !gold.distractors.includes(p)).map(([, t]) => t);
    for (const fact of facts) for (const s of fact.all) expect(current.some((t) => t.includes(normalise(s))), `${fact.id}: ${s}`).toBe(true);
  });

  it('finds every stale value in a stale document and in no other', () => {
    for (const fact of facts) {
      for (const s of fact.stale ?? []) {
        const holders = [...text].filter(([, t]) => t.includes(normalise(s))).map(([p]) => p);
        expect(holders.length, `${fact.id}: ${s}`).toBeGreaterThan(0);
        expect(holders.filter((p) => !stale.has(p)), `${fact.id}: ${s}`).toEqual([]);
      }
    }
  });
});
