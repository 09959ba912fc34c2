import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { downloadFilename, readStoredDocument, writeDocuments } from '../../src/orchestrator/documents.js';
import { FORMATS, type DocumentFormat } from '../../src/orchestrator/formats/index.js';
import { renderDocuments } from '../../src/orchestrator/formats/render-in-worker.js';
import { researchInputSchema } from '../../src/orchestrator/inputs.js';
import type { TaskRecord } from '../../src/orchestrator/task.js';
import { createFileDocumentStore } from '../../src/store/file-documents.js';
import { createMemoryStore } from '../../src/store/memory-store.js';
import { sampleReport } from './sample-report.js';

const record = { task_id: 'research_w1', title: 'Write me', result: { documents: [], sources: [] } } as unknown as TaskRecord;

/** Where the file store keeps a task's document: `<dataDir>/documents/<task_id>.<ext>`. */
const documentFile = (dataDir: string, taskId: string, format: DocumentFormat) => path.join(dataDir, 'documents', `${taskId}.${FORMATS[format].extension}`);
/** A renderer that fails pdf and writes `<format>:<title>` for the others. */
const fakeRender = async (formats: DocumentFormat[], report: { title: string }) =>
  formats.map((format) => (format === 'pdf' ? { format, error: 'font exploded' } : { format, bytes: Buffer.from(`${format}:${report.title}`) }));

describe('rendering in a worker thread', () => {
  it('renders every format, the binary ones in the worker, each as its own kind of file', async () => {
    const outcomes = await renderDocuments(['docx', 'markdown', 'pdf'], sampleReport());
    expect(outcomes.map((o) => o.format)).toEqual(['docx', 'markdown', 'pdf']);
    const bytes = Object.fromEntries(outcomes.map((o) => ['bytes' in o ? o.bytes : new Uint8Array(), o.format]).map(([b, f]) => [f, Buffer.from(b as Uint8Array)]));
    expect(bytes.pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(bytes.docx.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.markdown.toString()).toBe(sampleReport().markdown);
  });
});

describe('writeDocuments', () => {
  it('keeps the other documents when one format fails to render, and names the failure', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-docs-'));
    const written = await writeDocuments(createFileDocumentStore(dataDir), record, '# Write me\n\nbody\n', ['markdown', 'pdf', 'docx'], { render: fakeRender });
    expect(written.errors).toEqual([{ format: 'pdf', code: 'render_failed', message: 'font exploded' }]);
    expect(written.documents.map((d) => [d.format, d.size, d.url])).toEqual([
      ['markdown', 17, '/tasks/research_w1/documents/markdown'],
      ['docx', 13, '/tasks/research_w1/documents/docx'],
    ]);
    expect(written.documents.map((d) => d.filename)).toEqual(['research_w1.md', 'research_w1.docx']);
    expect(fs.existsSync(documentFile(dataDir, 'research_w1', 'pdf'))).toBe(false);
    expect(fs.readFileSync(documentFile(dataDir, 'research_w1', 'docx'), 'utf8')).toBe('docx:Write me');
    expect(fs.readFileSync(documentFile(dataDir, 'research_w1', 'markdown'), 'utf8')).toBe('markdown:Write me');
    // Only the finished files: nothing half-written is left beside them.
    expect(fs.readdirSync(path.join(dataDir, 'documents')).sort()).toEqual(['research_w1.docx', 'research_w1.md']);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes to the store it is given, and readStoredDocument reads them back from it', async () => {
    const { documents } = createMemoryStore();
    const written = await writeDocuments(documents, record, '# Write me\n', ['markdown', 'pdf'], { render: fakeRender });
    const done = { ...record, result: { documents: written.documents, document_errors: written.errors, sources: [] } } as unknown as TaskRecord;
    expect((await readStoredDocument(documents, done, 'markdown')).toString()).toBe('markdown:Write me');
    await expect(readStoredDocument(documents, done, 'pdf')).rejects.toThrow(/has no pdf document: font exploded/);
    await expect(readStoredDocument(documents, done, 'docx')).rejects.toThrow(/has no docx document/);
    // Listed in the record but gone from the store (pruned, or lost).
    await documents.remove([record.task_id]);
    await expect(readStoredDocument(documents, done, 'markdown')).rejects.toThrow(/no longer stored/);
  });

  it('names downloads after the title as an ASCII slug, or the task id when nothing is left', () => {
    expect(downloadFilename('Café — 2024: "quoted"!', 'research_x', 'pdf')).toBe('cafe-2024-quoted.pdf');
    expect(downloadFilename('Ωμέγα', 'research_x', 'markdown')).toBe('research_x.md');
    expect(downloadFilename('a'.repeat(200), 'research_x', 'docx')).toBe(`${'a'.repeat(80)}.docx`);
  });
});

describe('document_formats', () => {
  it('takes any of the registry’s formats, markdown by default; an unknown one or a repeat is an issue at its index', () => {
    expect(researchInputSchema.parse({ task: 't' }).document_formats).toEqual(['markdown']);
    expect(researchInputSchema.parse({ task: 't', document_formats: ['docx', 'pdf', 'markdown'] }).document_formats).toEqual(['docx', 'pdf', 'markdown']);
    const unknown = researchInputSchema.safeParse({ task: 't', document_formats: ['pdf', 'odt'] });
    expect(unknown.error?.issues).toMatchObject([{ path: ['document_formats', 1], message: 'unknown document format "odt"; one of markdown, pdf, docx' }]);
    const twice = researchInputSchema.safeParse({ task: 't', document_formats: ['pdf', 'pdf'] });
    expect(twice.error?.issues).toMatchObject([{ path: ['document_formats'], message: 'lists a format twice' }]);
  });
});
