import { describe, expect, it } from 'vitest';
import { partsWithin, splitParts, subQuestions } from '../../src/orchestrator/parts.js';

describe('splitParts: enumerated parts', () => {
  it('splits "(1) … (2) … (3) …" and keeps the preamble apart', () => {
    expect(splitParts('Prepare a due-diligence brief on Northwind: (1) funding and investors, (2) financials, and (3) risks.')).toEqual({
      preamble: 'Prepare a due-diligence brief on Northwind',
      parts: ['Funding and investors', 'Financials', 'Risks'],
      topics: [],
    });
  });

  it('splits "a) … b) …"', () => {
    expect(splitParts('Tell me: a) how backups run b) how restores are tested').parts).toEqual(['How backups run', 'How restores are tested']);
  });

  it('splits "i) … ii) … iii) …"', () => {
    expect(splitParts('Cover i) uptime, ii) incidents and iii) on-call.').parts).toEqual(['Uptime', 'Incidents', 'On-call']);
  });

  it('splits bulleted and numbered lines', () => {
    expect(splitParts('Summarise:\n- funding\n- headcount\n- risks')).toMatchObject({ preamble: 'Summarise', parts: ['Funding', 'Headcount', 'Risks'] });
    expect(splitParts('Brief:\n1. funding\n2. risks').parts).toEqual(['Funding', 'Risks']);
  });

  it('does not take numbers out of order for markers', () => {
    expect(splitParts('Brief: (1) funding (3) risks').parts).toEqual(['Brief: (1) funding (3) risks']);
  });
});

describe('splitParts: questions', () => {
  it('splits several questions in a row', () => {
    expect(splitParts('How are backups taken? Who approves a restore? Where are logs kept?').parts).toEqual([
      'How are backups taken?',
      'Who approves a restore?',
      'Where are logs kept?',
    ]);
  });

  it('splits "How …, and what …?" into two questions', () => {
    expect(splitParts('How are webhooks signed, and what happens when a delivery fails?').parts).toEqual([
      'How are webhooks signed?',
      'What happens when a delivery fails?',
    ]);
  });

  it('keeps a clause that refers back with "it" in its question', () => {
    const q = 'Who led the Series B, when was it, and how much did it raise?';
    expect(splitParts(q).parts).toEqual([q]);
  });

  it('keeps a single question whole', () => {
    expect(splitParts('  How do streams resume?  ')).toEqual({ preamble: '', parts: ['How do streams resume?'], topics: [] });
  });
});

describe('splitParts: things that only look like markers', () => {
  it('does not take "(e.g. the stream)" for a part', () => {
    const q = 'How do I resume the event stream (e.g. the stream) after a disconnect?';
    expect(splitParts(q).parts).toEqual([q]);
    expect(splitParts('Brief me: (1) how the stream resumes (e.g. the stream), (2) how retries back off.').parts).toEqual([
      'How the stream resumes (e.g. the stream)',
      'How retries back off',
    ]);
  });

  it('does not take "version 2.1) and more" for a part', () => {
    const q = 'What changed between version 2.1) and more recent releases?';
    expect(splitParts(q).parts).toEqual([q]);
    expect(splitParts('Explain (1) what changed in version 2.1) and more, (2) what is planned next.').parts).toEqual([
      'What changed in version 2.1) and more',
      'What is planned next',
    ]);
  });
});

describe('subQuestions', () => {
  it('gives each part the topic the preamble names for it', () => {
    const request = "Brief me on X's leadership, products and manufacturing: (1) who runs the company, (2) what it sells, (3) where it is made";
    expect(splitParts(request).topics).toEqual(['leadership', 'products', 'manufacturing']);
    expect(subQuestions(request)).toEqual(['Who runs the company (leadership)', 'What it sells (products)', 'Where it is made (manufacturing)']);
  });

  it('adds no topic when the preamble names none, or not one per part', () => {
    expect(subQuestions('Brief: (1) funding, (2) risks.')).toEqual(['Funding', 'Risks']);
    expect(subQuestions('Brief me on leadership, products and manufacturing: (1) who runs it, (2) what it sells')).toEqual(['Who runs it', 'What it sells']);
  });
});

describe('partsWithin', () => {
  it('covers all six parts with four agents, neighbours sharing, in order', () => {
    const parts = ['A', 'B', 'C', 'D', 'E', 'F'];
    const within = partsWithin(parts, 4);
    expect(within).toHaveLength(4);
    expect(within.flatMap((p) => p.split('; '))).toEqual(parts);
  });

  it('returns fewer parts than agents as they are, with no filler', () => {
    expect(partsWithin(['Funding', 'Financials', 'Risks'], 8)).toEqual(['Funding', 'Financials', 'Risks']);
  });
});
