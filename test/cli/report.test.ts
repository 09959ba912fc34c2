import { describe, expect, it } from 'vitest';
import type { TaskRecord } from '../../src/cli/client.js';
import { reportMarkdown } from '../../src/cli/report.js';

const sources = [
  { n: 1, kind: 'document', title: 'Annual report', path: 'finance/fy2025.pdf', heading: 'Key figures', lines: '12-12', date: '2026-03', standing: 'current' },
  { n: 2, kind: 'web', title: 'Press release', url: 'https://example.org/press' },
  { n: 3, kind: 'document', title: 'Old report', path: 'archive/fy2024.pdf', lines: '3-4', date: '2025-03', standing: 'archived' },
];
const record = (final: string): TaskRecord => ({ task_id: 't', status: 'completed', pattern: 'cascade', result: { final_synthesis: final, sources } }) as TaskRecord;

describe('reportMarkdown', () => {
  it('prints the server report as it is when it carries its sources', () => {
    const final = '- Revenue was $84.7M. [1]\n\n## Sources\n\n- [1] finance/fy2025.pdf — Key figures (lines 12-12) · 2026-03';
    expect(reportMarkdown(record(final))).toBe(`${final}\n`);
  });

  it('adds the cited sources, with the numbers the report uses, when the report lacks them', () => {
    const out = reportMarkdown(record('- Revenue was $84.7M [1], up from $58.9M [3].'));
    expect(out).toBe(
      '- Revenue was $84.7M [1], up from $58.9M [3].\n\n## Sources\n\n' +
        '- [1] finance/fy2025.pdf — Key figures (lines 12-12) · 2026-03\n' +
        '- [3] archive/fy2024.pdf (lines 3-4) · 2025-03, archived\n',
    );
  });

  it('prints nothing extra for a report that cites nothing', () => {
    expect(reportMarkdown(record('The documents in the corpus do not answer this: x'))).toBe('The documents in the corpus do not answer this: x\n');
  });
});
