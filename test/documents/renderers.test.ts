import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { FORMATS } from '../../src/orchestrator/formats/index.js';
import { firstPagePng, pdfLinks, readDocx, readPdf } from './readers.js';
import { longReport, sampleReport, UNICODE_LINE, wideTableReport } from './sample-report.js';

const pdf = (r = sampleReport()) => FORMATS.pdf.render(r);
const docx = (r = sampleReport()) => FORMATS.docx.render(r);

describe('PDF, read back with pdf.js', () => {
  it('keeps Greek, Cyrillic, — ° − € as themselves, with its metadata, title block, links and page numbers', async () => {
    const report = sampleReport();
    const bytes = await pdf(report);
    const read = await readPdf(bytes);
    expect(read.pages).toBe(1);
    expect(read.info).toMatchObject({ Title: report.title, Author: 'mcp-orchestrator' });
    expect(String(read.info.CreationDate)).toMatch(/^D:20260102030405/);
    const text = read.text[0]!;
    expect(text).toContain(UNICODE_LINE);
    expect(text).toContain(report.title);
    expect(text).toContain('task research_sample · 2026-01-02');
    expect(text).toMatch(/A bold claim , an italic aside , inline code and a link \[2\]\.|A bold claim, an italic aside, inline code and a link \[2\]\./);
    expect(text).toContain('Москва');
    expect(text).toContain('[1] api.md — HTTP API › Documents (lines 12-30)');
    expect(text).toContain('https://pdfkit.org/docs/text.html');
    expect(text).toContain('page 1 of 1');
    expect(await pdfLinks(bytes, 1)).toEqual(expect.arrayContaining(['https://example.org/page', 'https://pdfkit.org/docs/text.html']));
  });

  it('renders page 1 to a PNG with pdftoppm', async () => {
    const png = firstPagePng(await pdf());
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.length).toBeGreaterThan(5000);
  });

  it('lays a long report out on 60+ pages, each numbered, the sources on the last', async () => {
    const read = await readPdf(await pdf(longReport(110)));
    expect(read.pages).toBeGreaterThanOrEqual(60);
    read.text.forEach((t, i) => expect(t).toContain(`page ${i + 1} of ${read.pages}`));
    expect(read.text.join(' ')).toContain('Section 110');
    expect(read.text.at(-1)).toContain('Sources');
  });

  it('fits a table wider than the page, repeating its header row on each page it runs onto', async () => {
    const read = await readPdf(await pdf(wideTableReport(14, 80)));
    expect(read.pages).toBeGreaterThan(2);
    // Narrow columns wrap their words: compare without spaces.
    const squeezed = read.text.map((t) => t.replace(/\s/g, ''));
    for (let c = 1; c <= 14; c++) expect(squeezed[0]).toContain(`Column${c}heading`);
    for (const t of squeezed) expect(t).toContain('Column1headingColumn2heading');
    expect(read.text.join(' ')).toContain('After the table.');
  });

  it('has no sources section when the report has no sources', async () => {
    const read = await readPdf(await pdf(sampleReport({ sources: [] })));
    expect(read.text[0]).not.toContain('Sources');
    expect(read.text[0]).toContain(UNICODE_LINE);
  });
});

describe('DOCX, read back with mammoth', () => {
  it('has real headings, lists, a table, hyperlinks and the Unicode text', async () => {
    const { html, text } = await readDocx(await docx());
    expect(html).toContain('<h2>Summary</h2>');
    expect(html).toContain('<h3>Steps</h3>');
    expect(html).toMatch(/<ol><li>First step<\/li><li>Second step<ul><li>nested bullet<\/li><\/ul><\/li><\/ol>/);
    expect(html).toContain('<ul><li>Apples</li><li>Pears</li></ul>');
    expect(html).toMatch(/<table><thead><tr><th><p><strong>City<\/strong>.*<\/thead><tbody><tr><td><p>Αθήνα<\/p><\/td><td><p>21 °C<\/p><\/td>/s);
    expect(html).toContain('<a href="https://example.org/page">a link</a>');
    expect(html).toContain('<a href="https://pdfkit.org/docs/text.html">https://pdfkit.org/docs/text.html</a>');
    expect(html).toContain('<strong>bold claim</strong>');
    expect(html).toContain('<em>italic aside</em>');
    expect(text).toContain(UNICODE_LINE);
    expect(text).toContain('[1]\tapi.md — HTTP API › Documents (lines 12-30)');
  });

  it('carries the document properties: title, creator, description with the task id, created date', async () => {
    const zip = await JSZip.loadAsync(await docx());
    const core = await zip.file('docProps/core.xml')!.async('string');
    expect(core).toContain('<dc:title>Τίτλος — Отчёт о погоде</dc:title>');
    expect(core).toContain('<dc:creator>mcp-orchestrator</dc:creator>');
    expect(core).toMatch(/<dc:description>[^<]*research_sample[^<]*<\/dc:description>/);
    expect(core).toMatch(/<dcterms:created xsi:type="dcterms:W3CDTF">\d{4}-\d\d-\d\dT/);
  });

  it('writes a long report with every section heading, and a wide table whole', async () => {
    const long = await readDocx(await docx(longReport(110)));
    expect(long.html.match(/<h2>Section \d+<\/h2>/g)).toHaveLength(110);
    const wide = await readDocx(await docx(wideTableReport(14, 80)));
    expect(wide.html.match(/<tr>/g)).toHaveLength(81);
    expect(wide.text).toContain('cell 80.14 with some longer text');
  });

  it('has no sources section when the report has no sources', async () => {
    const { html } = await readDocx(await docx(sampleReport({ sources: [] })));
    expect(html).not.toContain('Sources');
  });
});
