/** Reports to render in tests and in the render bench: Unicode, every block kind, long and wide ones. */
import type { DocumentReport } from '../../src/orchestrator/formats/index.js';
import type { Source } from '../../src/orchestrator/task.js';

export const UNICODE_LINE = 'Ωμέγα — Привет, мир: 21 °C, −4 °C, 12 € (ἀλήθεια, Ёжик, naïve café)';

export const SOURCES: Source[] = [
  { n: 1, kind: 'document', title: 'api.md', path: 'api.md', heading: 'HTTP API › Documents', lines: '12-30', retrieved_at: '2026-01-02T03:04:05.000Z' },
  { n: 2, kind: 'web', title: 'Pdfkit guide', url: 'https://pdfkit.org/docs/text.html', retrieved_at: '2026-01-02T03:04:05.000Z' },
];

const sourcesList = (sources: Source[]) =>
  sources.length ? `\n## Sources\n\n${sources.map((s) => `- [${s.n}] ${s.url ? `${s.title} — ${s.url}` : `${s.path} — ${s.heading} (lines ${s.lines})`}`).join('\n')}\n` : '';

/** A report with one of each block: headings, emphasis, a link, lists, a table, code, a quote, sources. */
export function sampleReport(options: { sources?: Source[]; title?: string } = {}): DocumentReport {
  const sources = options.sources ?? SOURCES;
  const title = options.title ?? 'Τίτλος — Отчёт о погоде';
  const markdown = `# ${title}

_cascade · local/local · task research_sample · 2026-01-02T03:04:05.000Z_

## Summary

${UNICODE_LINE} [1].

A **bold claim**, an *italic aside*, \`inline code\` and [a link](https://example.org/page) [2].

### Steps

1. First step
2. Second step
   - nested bullet

- Apples
- Pears

| City | Temperature | Price |
|---|:-:|--:|
| Αθήνα | 21 °C | 12 € |
| Москва | −4 °C | 9 € |

\`\`\`
const x = 1 < 2; // code
\`\`\`

> A quoted remark, in a block quote.
${sourcesList(sources)}`;
  return { taskId: 'research_sample', title, created: '2026-01-02T03:04:05.000Z', markdown, sources };
}

const PARAGRAPH =
  'The event stream resumes after a disconnect from the last event id the client saw; every event carries a sequence number, ' +
  'and the server replays what the client missed before it delivers live events again, so no event is lost or repeated. ';

/** A long report: `sections` sections of prose, a list and a table each (about 2 A4 pages of PDF per 3 sections). */
export function longReport(sections: number): DocumentReport {
  const parts = [`# Long report`, '', '_cascade · local/local · task research_long · 2026-01-02T03:04:05.000Z_', ''];
  for (let i = 1; i <= sections; i++) {
    parts.push(`## Section ${i}`, '', PARAGRAPH.repeat(3), '', `- point ${i}.1 [1]`, `- point ${i}.2`, '', '| n | value | note |', '|---|---|---|');
    for (let r = 1; r <= 6; r++) parts.push(`| ${r} | ${i * r} | ${UNICODE_LINE.slice(0, 30)} |`);
    parts.push('', PARAGRAPH.repeat(2), '');
  }
  parts.push(sourcesList(SOURCES));
  return { taskId: 'research_long', title: 'Long report', created: '2026-01-02T03:04:05.000Z', markdown: parts.join('\n'), sources: SOURCES };
}

/** A table of `columns` columns with long cells: far wider than a page. */
export function wideTableReport(columns: number, rows: number): DocumentReport {
  const header = Array.from({ length: columns }, (_v, c) => `Column ${c + 1} heading`);
  const body = Array.from({ length: rows }, (_v, r) => header.map((_h, c) => `cell ${r + 1}.${c + 1} with some longer text`));
  const table = [header, header.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const markdown = `# Wide table\n\nBefore the table.\n\n${table}\n\nAfter the table.\n`;
  return { taskId: 'research_wide', title: 'Wide table', created: '2026-01-02T03:04:05.000Z', markdown, sources: [] };
}
