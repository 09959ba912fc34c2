/**
 * The report as a Word document (`docx`): Title and Heading 1-3 styles, real bulleted and
 * numbered lists (Word numbering, each ordered list restarting at its own start), tables with a
 * repeated header row, external hyperlinks, page numbers in the footer, and the document
 * properties (title, creator mcp-orchestrator, description and subject with the task id; Word's
 * created date is when it was written).
 */
import { AlignmentType, Document, Footer, HeadingLevel, Packer, PageNumber, Paragraph, TextRun } from 'docx';
import { docxBlocks } from './docx-blocks.js';
import type { DocumentReport } from './format.js';
import { reportBlocks } from './report-blocks.js';

const BODY_FONT = 'DejaVu Sans';

function titleBlock(report: DocumentReport): Paragraph[] {
  return [
    new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun(report.title)] }),
    new Paragraph({
      spacing: { after: 240 },
      children: [new TextRun({ text: `mcp-orchestrator · task ${report.taskId} · ${report.created.slice(0, 10)}`, color: '555555', size: 18 })],
    }),
  ];
}

const footer = () =>
  new Footer({
    children: [
      new Paragraph({
        alignment: AlignmentType.CENTER,
        children: [new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES], size: 16, color: '777777' })],
      }),
    ],
  });

/** Render the report to DOCX bytes. */
export async function renderDocx(report: DocumentReport): Promise<Uint8Array> {
  const body = docxBlocks(reportBlocks(report));
  const doc = new Document({
    title: report.title,
    creator: 'mcp-orchestrator',
    lastModifiedBy: 'mcp-orchestrator',
    subject: `Report of task ${report.taskId}`,
    description: `Report of mcp-orchestrator task ${report.taskId}, written ${report.created}`,
    customProperties: [
      { name: 'task_id', value: report.taskId },
      { name: 'report_created', value: report.created },
    ],
    styles: { default: { document: { run: { font: BODY_FONT, size: 21 } } } },
    numbering: { config: body.numbering },
    sections: [{ footers: { default: footer() }, children: [...titleBlock(report), ...body.children] }],
  });
  return new Uint8Array(await Packer.toBuffer(doc));
}
