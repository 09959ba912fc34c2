import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { answer, searchQuery } from '../../src/providers/local/answer.js';
import { plan } from '../../src/providers/local/planner.js';

/**
 * How the offline researcher scores what it read, on a small library trust's papers (nothing like
 * the benchmark corpora): words the documents lack, names of another of a kind, money asked about
 * in general words, and the limit on what one answer quotes.
 */
const DOCS: Record<string, string> = {
  'finance/funding-rounds.md': `# Funding rounds

Last updated: March 2026.

## Rounds

| Round | Date | Amount | Lead investor |
|---|---|---|---|
| Series A | May 2019 | $2M | Elm Street Fund |
| Series B | Apr 2022 | $9M | Quarry Hill Capital |
`,
  'news/series-c.md': `# Riverside Libraries raises $20M Series C led by Larch Partners

Riverside Libraries today announced a $20M Series C round led by Larch Partners, with Quarry Hill Capital taking part.

The round brings total funding to $31M.
`,
  'reports/annual-review-2025.md': `# Annual Review 2025

## How busy were the branches in 2025?

The branches lent 412,000 books in 2025 and welcomed 96,000 visitors.

## What did the trust earn and spend?

Income for the year was £2.1 million and the operating surplus £0.3 million.
`,
  'people/officers.md': `# Officers

- Mira Patel, chair of the Finance Committee
- Tom Ruiz, head of lending
`,
  'legal/claims.md': `# Claims

## Open matters

In May 2025 Ashdown Builders filed a suit against Riverside Libraries over the roof repairs; a hearing is set for June 2026.
`,
  'finance/capital-plan.md': `# Capital plan

The capital budget for 2026 is £1.4 million, mostly for roof repairs.
`,
  'branches/opening-hours.md': `# Opening hours

| Branch | Weekdays | Saturday |
|---|---|---|
| Central | 9-20 | 10-16 |
| Northgate | 9-18 | 10-14 |
| Eastfield | 10-18 | closed |
| Westbrook | 10-17 | closed |
| Southmead | 9-17 | 10-13 |
| Harbourside | 10-19 | 10-16 |
| Millbank | 9-17 | closed |
| Oakfield | 10-18 | 10-13 |
| Parkside | 9-19 | 10-16 |
| Queensway | 10-17 | closed |
| Ridgeway | 9-18 | 10-14 |
`,
};

let tmp: string;
let corpus: CorpusIndex;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-local-answer-'));
  for (const [rel, text] of Object.entries(DOCS)) {
    fs.mkdirSync(path.dirname(path.join(tmp, rel)), { recursive: true });
    fs.writeFileSync(path.join(tmp, rel), text);
  }
  corpus = await createCorpusIndex({ dir: tmp, watch: false });
});
afterAll(() => {
  corpus?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ask = (question: string, context = question) => answer(question, context, corpus.search(searchQuery(question, context), { limit: 16 }), corpus);
const NOT_FOUND = /^The documents in the corpus do not answer this: /;

describe('local answers: what the question words say', () => {
  it('answers a question with a word no document uses when the rest of it is well covered ("lawsuit" for "suit")', () => {
    const text = ask('What is the status of the lawsuit Ashdown Builders filed against Riverside Libraries?');
    expect(text).toContain('In May 2025 Ashdown Builders filed a suit against Riverside Libraries over the roof repairs');
  });

  it('still says "not found" when the word it lacks is a name or a number (was the point of the question)', () => {
    expect(ask('What is the capital of France?')).toMatch(NOT_FOUND);
    expect(ask('How many books did the branches lend in 1990?')).toMatch(NOT_FOUND);
  });

  it('does not answer about Series B from a page about Series C, even when its heading repeats the question’s words', () => {
    const text = ask('Who led the Series B, when was it, and how much did it raise?');
    expect(text).toContain('Round: Series B; Date: Apr 2022; Amount: $9M; Lead investor: Quarry Hill Capital.');
    expect(text).not.toContain('Series C');
  });

  it('answers a question about money in general words with the amounts, whatever the document calls them', () => {
    const part = 'The visitors the branches had in 2025 and its finances';
    const text = ask(part, 'Brief the new trustee');
    expect(text).toContain('The branches lent 412,000 books in 2025 and welcomed 96,000 visitors.');
    expect(text).toContain('Income for the year was £2.1 million and the operating surplus £0.3 million.');
  });

  it('quotes a table that answers whole, its rows counting as one answer (was: cut at ten rows)', () => {
    const text = ask('What are the opening hours of the branches?');
    const branches = ['Central', 'Northgate', 'Eastfield', 'Westbrook', 'Southmead', 'Harbourside', 'Millbank', 'Oakfield', 'Parkside', 'Queensway', 'Ridgeway'];
    for (const branch of branches) expect(text, text).toContain(`Branch: ${branch};`);
  });
});

describe('local planner', () => {
  it('keeps a follow-up that only asks ("…, and when?") with the question it belongs to', () => {
    expect(plan('What restrictions apply on the roof during the repairs, and when?', 8)).toEqual(['What restrictions apply on the roof during the repairs, and when?']);
    expect(plan('Who chairs the Finance Committee? Who heads lending?', 8)).toHaveLength(2);
  });
});
