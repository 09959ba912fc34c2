import { describe, expect, it } from 'vitest';
import {
  isHonestNotFound,
  isLabelledHistory,
  offTopicUnits,
  quotedUnits,
  reportBody,
  reportUnits,
  scoreFacts,
  sourcePaths,
  staleLines,
} from '../../scripts/bench/quality-score.js';

const REPORT = `## Funding

- Round: Series C; Date: Jan 2026; Amount: $65M. [1]
- Round: Series B; Date: Mar 2023; Amount: $40M; Lead investor: Northwind Capital. [1]
- Total raised: $56.5M. [2]
- The 2024 summary, now superseded, gave $56.5M. [2]
Revenue was $58.9M in FY2024. Parking is limited by 9:00. [3]

## Sources
[1] finance/funding-history.docx — Funding History › Equity rounds (lines 9-9) · 2026-02
[2] archive/funding-summary-2024.md — Funding Summary (lines 3-3) · 2024-10, superseded
[3] facilities/parking.md — Parking at Columbus HQ (lines 3-3)
`;

describe('quality scoring', () => {
  const body = reportBody(REPORT);
  const paths = sourcePaths({ report: REPORT });

  it('scores the body only, mapping [n] through the report’s own source list when the record has none', () => {
    expect(body).not.toContain('lines 9-9');
    expect(paths.get(2)).toBe('archive/funding-summary-2024.md');
    expect(sourcePaths({ report: REPORT, sources: [{ n: 2, path: 'x.md' }] }).get(2)).toBe('x.md');
  });

  it('counts a fact only when all its strings appear, case and whitespace aside', () => {
    const [found, missed] = scoreFacts(body, [
      { id: 'b', part: 1, all: ['series b', 'MAR  2023', '$40M', 'Northwind Capital'] },
      { id: 'd', part: 1, all: ['Series D', '$65M', '$90M'] },
    ]);
    expect(found).toMatchObject({ found: true, missing: [] });
    expect(missed).toMatchObject({ found: false, missing: ['Series D', '$90M'] });
  });

  it('flags stale values and stale sources unless the line labels them as history', () => {
    const flagged = staleLines(body, paths, ['$56.5M', '$58.9M'], new Set(['archive/funding-summary-2024.md']));
    expect(flagged.map((f) => f.text)).toEqual(['- Total raised: $56.5M. [2]']);
    expect(flagged[0]).toMatchObject({ strings: ['$56.5M'], sources: ['archive/funding-summary-2024.md'] });
    expect(isLabelledHistory('Revenue was $58.9M in FY2024.', 2026)).toBe(true);
    expect(isLabelledHistory('Revenue was $88.1M in FY2026.', 2026)).toBe(false);
    expect(isLabelledHistory('Revenue (FY2024): $58.9M.', 2026)).toBe(false);
  });

  it('splits sentences and bullets, keeping a citation with its sentence, and flags the ones citing a distractor', () => {
    expect(reportUnits('A first one. [1] A second one [2]. Third.')).toEqual(['A first one. [1]', 'A second one [2].', 'Third.']);
    expect(offTopicUnits(body, paths, new Set(['facilities/parking.md'])).map((u) => u.text)).toEqual(['Parking is limited by 9:00. [3]']);
  });

  it('accepts a plain "not found" only when nothing is quoted', () => {
    expect(isHonestNotFound('The documents do not answer this question.')).toBe(true);
    expect(isHonestNotFound('The documents do not answer this. Paris is nice [1].')).toBe(false);
    expect(isHonestNotFound('Paris is the capital.')).toBe(false);
    expect(quotedUnits('> a quote\nplain line')).toEqual(['> a quote']);
  });
});
