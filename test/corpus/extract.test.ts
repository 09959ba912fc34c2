import { AlignmentType, Document, HeadingLevel, LevelFormat, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { marked, type Tokens } from 'marked';
import PDFDocument from 'pdfkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DocumentParseError, extractMarkdown, htmlToMarkdown } from '../../src/corpus/extract/index.js';

/** A PDF drawn by `draw`, as bytes (pdfkit with its built-in Helvetica). */
function makePdf(draw: (doc: PDFKit.PDFDocument) => void, options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: 50, bufferPages: true, ...options });
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    draw(doc);
    doc.end();
  });
}

const body = (doc: PDFKit.PDFDocument): PDFKit.PDFDocument => doc.font('Helvetica').fontSize(11);
const heading = (doc: PDFKit.PDFDocument, text: string, size: number): void => {
  doc.moveDown().font('Helvetica-Bold').fontSize(size).text(text, 50);
  body(doc).moveDown(0.5);
};

const LONG =
  'Northwind Capital led the round after a long diligence process that covered the product, the market, ' +
  'the team and the unit economics, and the board approved the final terms in March.';
const WRAPPED_BULLET = 'The engineering team shipped the new search platform, which now serves every customer region';
const OVER_PAGES =
  'This closing paragraph starts near the foot of the first page and carries on at the top of the second page, ' +
  'past the page footer and the running title, and still reads as one paragraph.';
const TABLE = [
  ['Round', 'Date', 'Amount', 'Lead'],
  ['Seed', 'Jan 2021', '$4M', 'Acme Ventures'],
  ['Series A', 'Jun 2022', '$15M', 'Blue Harbor'],
  ['Series B', 'Mar 2023', '$40M', 'Northwind Capital'],
];

/** Three pages with a running title, "Page n of 3" footers, headings, prose, a table and lists. */
function drawReport(doc: PDFKit.PDFDocument): void {
  doc.font('Helvetica-Bold').fontSize(22).text('Annual Report 2024');
  body(doc).moveDown(0.5).text(LONG, { width: 220 });
  doc.moveDown().text('The company welcomed a new inves-', { width: 400 }).text('tor who joined the board in April.', { width: 400 });
  heading(doc, 'Funding history', 16);
  const top = doc.y;
  TABLE.forEach((row, r) => row.forEach((cell, c) => doc.text(cell, 50 + c * 120, top + r * 18, { lineBreak: false })));
  doc.text('', 50, top + TABLE.length * 18);
  heading(doc, 'Highlights', 16);
  doc.text('• Revenue grew 40% year over year').text('• Two new offices opened in Lisbon and Oslo');
  doc.text('• Lisbon opened first', 70).text(`• ${WRAPPED_BULLET}`, 50, undefined, { width: 250 });
  doc.moveDown().text('1. Hire a chief financial officer').text('2. Expand the sales team to Asia');
  doc.text(OVER_PAGES, 50, 740, { width: 200 }); // pdfkit flows the rest onto page 2
  heading(doc, 'Outlook', 16);
  doc.text('The board expects steady growth next year.');
  doc.addPage();
  heading(doc, 'Risks', 16);
  doc.text('Currency swings remain the largest risk.');
  const { count } = doc.bufferedPageRange();
  for (let i = 0; i < count; i++) {
    doc.switchToPage(i);
    doc.page.margins.bottom = 0; // let the footer sit below the bottom margin without a page break
    body(doc).fontSize(9).text('Northwind Annual Report', 50, 25, { lineBreak: false });
    doc.text(`Page ${i + 1} of ${count}`, 270, 810, { lineBreak: false });
  }
}

async function makeDocx(): Promise<Buffer> {
  const cell = (text: string): TableCell => new TableCell({ children: [new Paragraph(text)] });
  const row = (cells: string[]): TableRow => new TableRow({ children: cells.map(cell) });
  const step = (text: string): Paragraph => new Paragraph({ text, numbering: { reference: 'steps', level: 0 } });
  const doc = new Document({
    numbering: { config: [{ reference: 'steps', levels: [{ level: 0, format: LevelFormat.DECIMAL, text: '%1.', alignment: AlignmentType.START }] }] },
    sections: [
      {
        children: [
          new Paragraph({ text: 'Quarterly Review — Café Élan', heading: HeadingLevel.HEADING_1 }),
          new Paragraph('Revenue reached €40M — ahead of plan; the Greek team (Αθήνα, ομάδα) grew.'),
          new Paragraph({ text: 'Next steps', heading: HeadingLevel.HEADING_2 }),
          step('Open the Lisbon office'),
          step('Hire two engineers'),
          new Paragraph({ text: 'Budget', heading: HeadingLevel.HEADING_2 }),
          new Table({ rows: [row(['Item', 'Cost']), row(['Rent', '€12,000']), row(['Salaries', '€90,000'])] }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

const ARTICLE_PAGE = `<!DOCTYPE html>
<html><head><title>Site title</title><style>body { color: red }</style>
<script>window.tracking = "SCRIPT-TEXT"</script></head>
<body>
<nav><a href="/home">Home</a> <a href="/about">About us</a></nav>
<aside>Related: other stories</aside>
<article>
  <h1>Caf&eacute; openings &mdash; 2024</h1>
  <p>Our new caf&eacute; in Athens
     opened in <a href="https://example.com/athens">March</a> and sold
     <strong>1,200</strong> cups of coffee at &euro;3 each (&alpha;&beta;&gamma; team).</p>
  <h2>Sales</h2>
  <table>
    <thead><tr><th>City</th><th>Cups</th></tr></thead>
    <tbody><tr><td>Athens</td><td>1,200</td></tr><tr><td>Lisbon | Porto</td><td>950</td></tr></tbody>
  </table>
  <pre><code>SELECT city, cups
  FROM sales;</code></pre>
  <div hidden>Hidden promo</div>
</article>
<footer>Copyright Footer Inc</footer>
<noscript>Enable JavaScript</noscript>
<script>console.log("SCRIPT-TEXT-2")</script>
</body></html>`;

const lines = (md: string): string[] => md.split('\n');

describe('extractMarkdown: PDF', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // First in the file on purpose: pdf.js is loaded on first use, so this also covers its module start-up.
  it('prints nothing to stdout while loading pdf.js and reading a PDF', async () => {
    const write = vi.spyOn(process.stdout, 'write');
    const logs = (['log', 'info', 'warn', 'debug'] as const).map((m) => vi.spyOn(console, m));
    await extractMarkdown(await makePdf(drawReport), '.pdf');
    expect(write).not.toHaveBeenCalled();
    for (const log of logs) expect(log).not.toHaveBeenCalled();
  });

  it('turns a report into headings, rejoined paragraphs, a pipe table and lists, without page chrome', async () => {
    const md = await extractMarkdown(await makePdf(drawReport), '.pdf');
    const all = lines(md);
    expect(all).toContain('# Annual Report 2024');
    for (const h of ['## Funding history', '## Highlights', '## Outlook', '## Risks']) expect(all).toContain(h);
    expect(all).toContain(LONG);
    expect(all).toContain('The company welcomed a new investor who joined the board in April.');
    expect(md).toContain(
      [
        '| Round | Date | Amount | Lead |',
        '| --- | --- | --- | --- |',
        '| Seed | Jan 2021 | $4M | Acme Ventures |',
        '| Series A | Jun 2022 | $15M | Blue Harbor |',
        '| Series B | Mar 2023 | $40M | Northwind Capital |',
      ].join('\n'),
    );
    expect(md).toContain(
      ['- Revenue grew 40% year over year', '- Two new offices opened in Lisbon and Oslo', '  - Lisbon opened first', `- ${WRAPPED_BULLET}`].join('\n'),
    );
    expect(md).toContain(`- ${WRAPPED_BULLET}\n\n1. Hire a chief financial officer\n2. Expand the sales team to Asia\n\n${OVER_PAGES}\n\n## Outlook`);
    expect(md).not.toMatch(/Page \d of 3/);
    expect(md).not.toContain('Northwind Annual Report');
    expect(md).not.toMatch(/\n{3,}/);
  });

  it('gives Markdown that marked reads back as the same headings, table and lists', async () => {
    const tokens = marked.lexer(await extractMarkdown(await makePdf(drawReport), '.pdf'));
    const headings = tokens.filter((t): t is Tokens.Heading => t.type === 'heading').map((t) => [t.depth, t.text]);
    expect(headings).toEqual([[1, 'Annual Report 2024'], [2, 'Funding history'], [2, 'Highlights'], [2, 'Outlook'], [2, 'Risks']]);
    const table = tokens.find((t): t is Tokens.Table => t.type === 'table');
    expect(table?.header.map((c) => c.text)).toEqual(TABLE[0]);
    expect(table?.rows.map((r) => r.map((c) => c.text))).toEqual(TABLE.slice(1));
    const lists = tokens.filter((t): t is Tokens.List => t.type === 'list');
    expect(lists.map((l) => [l.ordered, l.items.length])).toEqual([[false, 3], [true, 2]]);
  });

  it('rejects a corrupt PDF with an error', async () => {
    const garbage = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 9 0 R >>\nthis is not a pdf\n%%EOF');
    await expect(extractMarkdown(garbage, '.pdf')).rejects.toThrow(DocumentParseError);
    await expect(extractMarkdown(Buffer.from('plain text, no header at all'), '.pdf')).rejects.toThrow(/cannot read PDF file/);
  }, 10_000);

  it('rejects a password-protected PDF as encrypted', async () => {
    const locked = await makePdf((doc) => doc.text('Secret plans'), { userPassword: 'hunter2' });
    await expect(extractMarkdown(locked, '.pdf')).rejects.toThrow(/encrypted/);
  }, 10_000);
});

describe('extractMarkdown: Word', () => {
  it('keeps Heading 1/2 as #/##, a numbered list, a pipe table and Unicode', async () => {
    const md = await extractMarkdown(await makeDocx(), '.docx');
    expect(md).toBe(
      [
        '# Quarterly Review — Café Élan',
        'Revenue reached €40M — ahead of plan; the Greek team (Αθήνα, ομάδα) grew.',
        '## Next steps',
        '1. Open the Lisbon office\n2. Hire two engineers',
        '## Budget',
        '| Item | Cost |\n| --- | --- |\n| Rent | €12,000 |\n| Salaries | €90,000 |',
      ].join('\n\n'),
    );
  });

  it('rejects a file that is not a zip with an error', async () => {
    await expect(extractMarkdown(Buffer.from('just some text, not a zip'), '.docx')).rejects.toThrow(DocumentParseError);
    await expect(extractMarkdown(Buffer.from('PK\u0003\u0004broken'), '.docx')).rejects.toThrow(/cannot read Word/);
  }, 10_000);
});

describe('extractMarkdown: HTML', () => {
  it('keeps only the article, its table and its pre block, with entities decoded and no URLs', async () => {
    const md = await extractMarkdown(new TextEncoder().encode(ARTICLE_PAGE), '.html');
    expect(md).toBe(
      [
        '# Café openings — 2024',
        'Our new café in Athens opened in March and sold 1,200 cups of coffee at €3 each (αβγ team).',
        '## Sales',
        '| City | Cups |\n| --- | --- |\n| Athens | 1,200 |\n| Lisbon \\| Porto | 950 |',
        '```\nSELECT city, cups\n  FROM sales;\n```',
      ].join('\n\n'),
    );
  });

  it('decodes a page in the encoding its meta charset names', async () => {
    const head = Buffer.from('<html><head><meta charset="windows-1252"></head><body><p>caf');
    const bytes = Buffer.concat([head, Buffer.from([0xe9, 0x20, 0x93, 0x80, 0x35, 0x94]), Buffer.from('</p></body></html>')]);
    expect(await extractMarkdown(bytes, '.html')).toBe('café “€5”');
    const greek = Buffer.concat([Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-7"><p>'), Buffer.from([0xe1, 0xe2, 0xe3])]);
    expect(await extractMarkdown(greek, '.html')).toBe('αβγ');
  });

  it('indents nested lists, quotes blockquotes and takes the first row as header when there is no th', () => {
    const md = htmlToMarkdown(
      '<ul><li>Fruit<ul><li>Apple</li></ul></li><li>Bread</li></ul><ol><li>One</li><li>Two</li></ol>' +
        '<blockquote><p>Quoted</p></blockquote><table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>' +
        '<p>Line<br>break</p><p></p><p aria-hidden="true">decor</p>',
    );
    expect(md).toBe(
      ['- Fruit\n  - Apple\n- Bread', '1. One\n2. Two', '> Quoted', '| a | b |\n| --- | --- |\n| 1 | 2 |', 'Line break'].join('\n\n'),
    );
  });
});
