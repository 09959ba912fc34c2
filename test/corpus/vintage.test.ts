import { describe, expect, it } from 'vitest';
import { datesIn, vintageOf, worse } from '../../src/corpus/vintage.js';

/** A modification time no document below mentions, so a date from it is unmistakable. */
const MTIME = new Date('2023-07-04T10:00:00Z');
const doc = (...lines: string[]) => `${lines.join('\n\n')}\n`;

describe('datesIn', () => {
  it('finds every written form, in the order the text gives them', () => {
    expect(datesIn('From 2026-02-27, then March 14, 2026, May 2026 and 2025-11.')).toEqual(['2026-02-27', '2026-03-14', '2026-05', '2025-11']);
  });

  it('gives a written date once, not again for the month inside it', () => {
    expect(datesIn('Reviewed on 12 March 2026.')).toEqual(['2026-03-12']);
  });

  it('gives "12 March 2026" with its day first', () => {
    // What a document's own date is read from: only the first date after the cue counts.
    expect(datesIn('Reviewed on 12 March 2026, then on 3 Apr 2026.')[0]).toBe('2026-03-12');
  });

  it('refuses impossible months and days instead of inventing a date', () => {
    expect(datesIn('Ticket 2026-13 and 2026-02-45 and build 1812-1999')).toEqual([]);
  });
});

describe('vintageOf: the date', () => {
  it.each([
    ['Last updated: May 2026', '2026-05'],
    ['Prepared by the Finance team in March 2026.', '2026-03'],
    ['Reviewed by the board on 12 March 2026.', '2026-03-12'],
    ['Published 2026-02-27', '2026-02-27'],
    ['As of January 20, 2026, the fleet counts 40 robots.', '2026-01-20'],
  ])('takes the date after a cue in the text: %s', (line, date) => {
    expect(vintageOf('notes/plan-2019.md', doc('# Plan', line), MTIME)).toEqual({ date, dateFrom: 'text', standing: 'current' });
  });

  it('ignores a date that no cue word introduces', () => {
    // "Revenue in March 2024" is a fact the document reports, not the document's own date.
    expect(vintageOf('notes.md', doc('# Notes', 'Revenue in March 2024 was $3M.'), MTIME)).toMatchObject({ dateFrom: 'mtime' });
  });

  it.each([
    ['board-update-2025.pdf', '2025'],
    ['finance/report_2024-03.md', '2024-03'],
  ])('takes a year (and month) from the file name when the text has none: %s', (relPath, date) => {
    expect(vintageOf(relPath, doc('# Board update', 'Nothing dated here.'), MTIME)).toEqual({ date, dateFrom: 'name', standing: 'current' });
  });

  it('falls back to the modification time, marked as such', () => {
    expect(vintageOf('finance/notes.md', doc('# Notes', 'Nothing dated here.'), MTIME)).toEqual({ date: '2023-07-04', dateFrom: 'mtime', standing: 'current' });
  });
});

describe('vintageOf: the standing', () => {
  const plain = doc('# Funding', 'Last updated: May 2026', 'The Series B raised $40M.');

  it.each([
    ['archive/x.md', 'archived'],
    ['old/finance/funding.md', 'archived'],
    ['drafts/funding.md', 'draft'],
    ['superseded/funding.md', 'superseded'],
    ['fy2025-annual-report-DRAFT.docx', 'draft'],
  ])('reads it from the folders and the name: %s', (relPath, standing) => {
    expect(vintageOf(relPath, plain, MTIME).standing).toBe(standing);
  });

  it.each([
    [doc('SUPERSEDED — see funding-2026.md', '# Funding summary'), 'superseded'],
    [doc('# Travel policy', 'This document is superseded by the 2026 policy.'), 'superseded'],
    [doc('# Annual report', 'DRAFT — not for distribution'), 'draft'],
    [doc('# Funding summary', 'Status: archived'), 'archived'],
  ])('reads it from the document’s own words near its top: %j', (text, standing) => {
    expect(vintageOf('finance/summary.md', text, MTIME).standing).toBe(standing);
  });

  it('keeps a newer document that supersedes an older one current', () => {
    const text = doc('# Funding summary', 'Last updated: May 2026', 'This version supersedes the funding summary of October 2024.');
    expect(vintageOf('finance/funding-summary.md', text, MTIME)).toEqual({ date: '2026-05', dateFrom: 'text', standing: 'current' });
  });

  it('keeps a current document whose words merely mention drafts or archives current', () => {
    expect(vintageOf('finance/budget.md', doc('# Budget', 'The draft budget was approved; see the archive for earlier years.'), MTIME).standing).toBe('current');
  });

  it('reads a status word only as a label, not as the first word of a sentence (regression)', () => {
    // These were archived, draft and superseded while status words matched at the start of any line.
    expect(vintageOf('x.md', doc('# Records policy', 'Last updated: May 2026', 'Archived records are kept for seven years.'), MTIME).standing).toBe('current');
    expect(vintageOf('x.md', doc('# Budgets', 'Draft budgets are due from each team by 1 March.'), MTIME).standing).toBe('current');
    expect(vintageOf('x.md', doc('# Refunds', 'Withdrawn funds are returned within five working days.'), MTIME).standing).toBe('current');
    expect(vintageOf('x.md', doc('# Summary', 'The October 2024 summary is superseded by this one.'), MTIME).standing).toBe('current');
    expect(vintageOf('finance/old-town-office-lease.md', doc('# Lease'), MTIME).standing).toBe('current');
    expect(vintageOf('finance/lease-old.md', doc('# Lease'), MTIME).standing).toBe('archived');
  });

  it('lets the worst standing win when several apply', () => {
    expect(vintageOf('drafts/funding.md', doc('# Funding', 'Status: archived'), MTIME).standing).toBe('archived');
    expect(vintageOf('archive/funding-draft.md', doc('# Funding', 'This document is superseded by funding-2026.md.'), MTIME).standing).toBe('superseded');
    expect(vintageOf('superseded/funding.md', doc('# Funding', 'DRAFT — not for distribution'), MTIME).standing).toBe('superseded');
  });
});

describe('worse', () => {
  it('orders superseded > archived > draft > current, whichever side it is on', () => {
    expect(worse('draft', 'archived')).toBe('archived');
    expect(worse('archived', 'draft')).toBe('archived');
    expect(worse('current', 'superseded')).toBe('superseded');
    expect(worse('draft', 'current')).toBe('draft');
    expect(worse('current', 'current')).toBe('current');
  });
});
