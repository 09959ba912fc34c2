import { describe, expect, it } from 'vitest';
import { settleSynthesisText, settleWorkerText, splitSourceList } from '../../src/orchestrator/citations.js';
import { SourceLedger } from '../../src/orchestrator/source-ledger.js';

/** A `search_documents` result as the corpus returns it. */
const hit = (fields: Record<string, unknown>) => ({ kind: 'prose', score: 1, snippet: '', text: '', title: 'Doc', heading: 'Doc', ...fields });

const FUNDING = hit({
  path: 'finance/funding.md',
  title: 'Funding history',
  heading: 'Funding history › Rounds',
  lines: '5-9',
  date: '2026-05',
  date_from: 'text',
  standing: 'current',
  text: 'Round: Series B; Amount: $40M. Investor relations: https://investors.example.com/northwind.',
});
const RISKS = hit({ path: 'risks.md', title: 'Risk register', heading: 'Risk register › Supply', lines: '3-4', date: '2025-01-02', date_from: 'mtime', standing: 'archived' });
const NEWS = { url: 'https://news.example.com/northwind-series-b', title: 'Northwind raises $40M' };

function ledgerWith(...results: unknown[]): SourceLedger {
  const ledger = new SourceLedger();
  ledger.noteToolResult('search_documents', { results });
  return ledger;
}

describe('settleWorkerText', () => {
  it('numbers a citation of what was read and removes, and counts, one of a file nobody read', () => {
    const ledger = ledgerWith(FUNDING);
    const settled = settleWorkerText(
      [
        '- The Series B raised $40M. [1]',
        '- The CEO is Ada Park. [2]',
        '',
        'Sources:',
        '[1] finance/funding.md — Funding history › Rounds (lines 5-9)',
        '[2] people/ceo.md — People (lines 1-3)',
      ].join('\n'),
      ledger,
    );
    expect(settled.content).toBe(
      '- The Series B raised $40M. [1]\n- The CEO is Ada Park.\n\nSources:\n\n- [1] finance/funding.md — Funding history › Rounds (lines 5-9) · 2026-05',
    );
    expect(settled.citations).toEqual([{ n: 1, source: 'finance/funding.md', title: 'Funding history › Rounds', lines: '5-9' }]);
    expect(ledger.unverified).toBe(1);
  });

  it('gives a second worker citing the same passage the same number', () => {
    const ledger = ledgerWith(RISKS, FUNDING);
    settleWorkerText('Supply is at risk [1].\n\nSources:\n[1] risks.md — Risk register (lines 3-4)', ledger);
    const second = settleWorkerText('Funding came from Northwind [4].\n\nSources:\n[4] finance/funding.md — Funding (lines 5-9)', ledger);
    const third = settleWorkerText('Northwind led it [7].\n\nSources:\n[7] ./finance/funding.md (lines 6-7)', ledger);
    expect(second.content).toMatch(/^Funding came from Northwind \[2\]\./);
    expect(third.content).toMatch(/^Northwind led it \[2\]\./);
    expect(third.citations).toEqual(second.citations);
    expect(ledger.list().map((s) => s.n)).toEqual([1, 2]);
    expect(ledger.unverified).toBe(0);
  });

  it('corrects lines a worker misremembers to the stretch of the file it read', () => {
    const ledger = ledgerWith(RISKS);
    const settled = settleWorkerText('Supply is at risk [1].\n\nSources:\n[1] risks.md — Risk register (lines 40-44)', ledger);
    expect(settled.citations).toEqual([{ n: 1, source: 'risks.md', title: 'Risk register › Supply', lines: '3-4' }]);
    expect(settled.content).toContain('- [1] risks.md — Risk register › Supply (lines 3-4)');
    expect(ledger.unverified).toBe(0);
  });

  it('counts a citation its own source list does not give', () => {
    const ledger = ledgerWith(FUNDING);
    const settled = settleWorkerText('Raised $40M [1] in 2023 [5].\n\nSources:\n[1] finance/funding.md (lines 5-9)', ledger);
    expect(settled.content).toMatch(/^Raised \$40M \[1\] in 2023\./);
    expect(ledger.unverified).toBe(1);
  });

  it('keeps a URL a tool returned as a web source, and leaves a URL quoted inside a document alone', () => {
    const ledger = ledgerWith(FUNDING);
    ledger.noteToolResult('web_search', { results: [NEWS] });
    const settled = settleWorkerText(
      `The press covered it [1]. Investor relations: https://investors.example.com/northwind.\n\nSources:\n[1] ${NEWS.url}`,
      ledger,
    );
    expect(settled.content).toBe(
      `The press covered it [1]. Investor relations: https://investors.example.com/northwind.\n\nSources:\n\n- [1] ${NEWS.title} — ${NEWS.url}`,
    );
    expect(ledger.list()[0]).toMatchObject({ n: 1, kind: 'web', url: NEWS.url, title: NEWS.title });
    expect(ledger.list().some((s) => s.url?.startsWith('https://investors.example.com'))).toBe(false);
    expect(ledger.unverified).toBe(0);
  });
});

describe('sources of kind tool (an MCP server\'s tool)', () => {
  it('are one per call, named by the tool and its arguments, and cited by the tool\'s name', () => {
    const ledger = new SourceLedger();
    ledger.noteToolResult('files__read_text_file', { content: 'Ferry times: 06:10, 07:40' }, { path: '/srv/notes/ferry.md' });
    ledger.noteToolResult('files__read_text_file', { content: 'Tide table' }, { path: '/srv/notes/tides.md' });
    ledger.noteToolResult('calculate', { result: '2', value: 2 }, { expression: '1+1' });
    const settled = settleWorkerText(
      'The first ferry leaves at 06:10 [1]; tides follow the table [2]; the moon is cheese [3].\n\nSources:\n' +
        '[1] files__read_text_file(path: /srv/notes/ferry.md)\n[2] files__read_text_file — tides.md\n[3] everything__echo',
      ledger,
    );
    expect(settled.content).toContain('06:10 [1]; tides follow the table [2]');
    expect(settled.content).not.toContain('[3]');
    expect(settled.content).toContain('- [1] files__read_text_file(path: /srv/notes/ferry.md)\n- [2] files__read_text_file(path: /srv/notes/tides.md)');
    expect(ledger.unverified).toBe(1);
    const sources = ledger.list();
    expect(sources.map((s) => [s.kind, s.title])).toEqual([
      ['tool', 'files__read_text_file(path: /srv/notes/ferry.md)'],
      ['tool', 'files__read_text_file(path: /srv/notes/tides.md)'],
    ]);
    expect(sources[0]!.retrieved_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });
});

describe('settleSynthesisText', () => {
  it('keeps a known number, drops and counts an unknown one, and ends with the task’s source list', () => {
    const ledger = ledgerWith(FUNDING);
    settleWorkerText('Raised $40M [1].\n\nSources:\n[1] finance/funding.md (lines 5-9)', ledger);
    const settled = settleSynthesisText('## Funding\n\n- Raised $40M. [1]\n- Valued at $1B. [9]\n\nSources:\n[1] something else', ledger, '## Sources');
    expect(settled.content).toBe(
      '## Funding\n\n- Raised $40M. [1]\n- Valued at $1B.\n\n## Sources\n\n- [1] finance/funding.md — Funding history › Rounds (lines 5-9) · 2026-05',
    );
    expect(ledger.unverified).toBe(1);
  });

  it('does not take a Markdown link "[2](https://…)" for a citation', () => {
    const ledger = ledgerWith(FUNDING, RISKS);
    ledger.noteToolResult('web_search', { results: [NEWS] });
    // Source 2 exists: were [2](…) read as a citation, it would be listed.
    settleWorkerText('A [1]. B [2].\n\nSources:\n[1] finance/funding.md (lines 5-9)\n[2] risks.md (lines 3-4)', ledger);
    const settled = settleSynthesisText(`See the [2](${NEWS.url}) coverage.`, ledger, '## Sources');
    expect(settled.content).toContain(`[2](${NEWS.url})`);
    expect(settled.content).not.toContain('risks.md');
    expect(ledger.unverified).toBe(0);
  });
});

describe('SourceLedger.list', () => {
  it('gives the cited sources by number, then what was read but never cited', () => {
    const uncited = hit({ path: 'people/team.md', title: 'Team', heading: 'Team › Leadership', lines: '1-6', date: '2026-04', date_from: 'name', standing: 'current' });
    const ledger = ledgerWith(uncited, RISKS, FUNDING);
    settleWorkerText('A [1]. B [2].\n\nSources:\n[1] finance/funding.md (lines 5-9)\n[2] risks.md (lines 3-4)', ledger);
    expect(ledger.list().map((s) => [s.n, s.path])).toEqual([
      [1, 'finance/funding.md'],
      [2, 'risks.md'],
      [3, 'people/team.md'],
    ]);
    expect(ledger.list()[2]).toMatchObject({ kind: 'document', lines: '1-6', date: '2026-04' });
  });

  it('does not show a date that comes from the file’s modification time', () => {
    const ledger = ledgerWith(RISKS);
    const settled = settleWorkerText('Supply [1].\n\nSources:\n[1] risks.md (lines 3-4)', ledger);
    expect(ledger.list()[0]).toMatchObject({ path: 'risks.md', standing: 'archived' });
    expect(ledger.list()[0]).not.toHaveProperty('date');
    expect(settled.content).toContain('- [1] risks.md — Risk register › Supply (lines 3-4) · archived');
    expect(settled.content).not.toContain('2025-01-02');
  });
});

describe('splitSourceList', () => {
  it('takes the numbered list under a Sources heading out of the body', () => {
    const { body, listed } = splitSourceList('Body [1] [2]\n\n**Sources:**\n- [1] a.md — A › B (lines 1-2)\n- [2]: https://x.example/a\n\nAfter the list.');
    expect(body).toBe('Body [1] [2]\n\nAfter the list.');
    expect(listed.get(1)).toEqual({ source: 'a.md', title: 'A › B', lines: '1-2' });
    expect(listed.get(2)).toEqual({ source: 'https://x.example/a', url: 'https://x.example/a' });
  });
});
