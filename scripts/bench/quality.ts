/**
 * Research quality on the benchmark corpora (scripts/fixtures): generate a corpus, run the real
 * services on it with the real offline `local` provider, submit every gold brief, question and
 * unanswerable question as a cascade research task, and score the final reports (rules in
 * quality-score.ts):
 *
 * - fact coverage: gold facts whose strings all appear in the report / all facts;
 * - stale facts stated: lines stating a stale value, or citing an archived/superseded/draft
 *   document, without labelling it as history;
 * - off-topic sentences: sentences and bullets citing a distractor document, plus, for
 *   unanswerable questions, every sentence that quotes the corpus at all;
 * - honest not-found: unanswerable questions answered with a plain "not found" and no quote.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { researchInputSchema } from '../../src/orchestrator/inputs.js';
import { isFinal, type TaskRecord } from '../../src/orchestrator/task.js';
import { createServices, type Services } from '../../src/services.js';
import { CORPORA, makeCorpus, type CorpusName } from '../fixtures/make-corpus.js';
import { harborGold } from '../fixtures/gold-harbor.js';
import { northwindGold } from '../fixtures/gold-northwind.js';
import type { Gold, GoldFact } from '../fixtures/model.js';
import { num, renderTable, type Row } from './report.js';
import {
  isHonestNotFound,
  offTopicUnits,
  quotedUnits,
  reportBody,
  scoreFacts,
  sourcePaths,
  staleLines,
  type FactResult,
  type FlaggedLine,
} from './quality-score.js';

export const GOLD: Record<CorpusName, Gold> = { northwind: northwindGold, harbor: harborGold };

export interface QualityOptions {
  /** `num_agents` of every task (default 8; 5 with `small`). */
  agents?: number;
  /** One brief and two unanswerable questions instead of the whole gold set. */
  small?: boolean;
  /** Give up on a task after this long (default 120 s). */
  taskTimeoutMs?: number;
}

export type TaskKind = 'brief' | 'question' | 'unanswerable';

/** One task's score, with what is needed to see why. */
export interface TaskQuality {
  id: string;
  kind: TaskKind;
  task: string;
  taskId: string;
  status: TaskRecord['status'];
  error?: string;
  facts: FactResult[];
  stale: FlaggedLine[];
  offTopic: FlaggedLine[];
  /** Sentences quoting the corpus (counted as off-topic for unanswerable questions). */
  quotes: number;
  /** For unanswerable questions: a plain "not found" and no quote. */
  honest?: boolean;
  report: string;
}

export interface QualityReport {
  corpus: CorpusName;
  documents: number;
  /** Documents the corpus index took in (it may skip formats it cannot read). */
  indexed: number;
  agents: number;
  tasks: TaskQuality[];
  coverage: { found: number; total: number; ratio: number };
  stale: number;
  offTopic: number;
  unanswerable: { total: number; honest: number; quotes: number };
  /** Tasks that did not complete (a correctness failure, not a quality one). */
  failed: number;
  durationMs: number;
}

interface Job {
  id: string;
  kind: TaskKind;
  task: string;
  facts: GoldFact[];
}

function jobsOf(gold: Gold, small: boolean): Job[] {
  const briefs = small ? gold.briefs.slice(0, 1) : gold.briefs;
  const questions = small ? [] : gold.questions;
  const unanswerable = small ? gold.unanswerable.slice(0, 2) : gold.unanswerable;
  return [
    ...briefs.map((b) => ({ ...b, kind: 'brief' as const })),
    ...questions.map((q) => ({ ...q, kind: 'question' as const })),
    ...unanswerable.map((task, i) => ({ id: `unanswerable-${i + 1}`, kind: 'unanswerable' as const, task, facts: [] })),
  ];
}

async function waitForFinal(services: Services, taskId: string, timeoutMs: number): Promise<TaskRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const record = await services.orchestrator.get(taskId);
    if (isFinal(record.status)) return record;
    if (Date.now() > deadline) {
      await services.orchestrator.cancel(taskId); // never throws here: the task is not final
      return { ...record, error: { code: 'bench_timeout', message: `not finished after ${timeoutMs} ms` } };
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function scoreTask(job: Job, record: TaskRecord, gold: Gold, staleStrings: string[]): TaskQuality {
  const report = record.result?.final_synthesis ?? '';
  const body = reportBody(report);
  const paths = sourcePaths({ report, sources: record.result?.sources });
  const quotes = quotedUnits(body);
  const offTopic = offTopicUnits(body, paths, new Set(gold.distractors));
  if (job.kind === 'unanswerable') {
    const counted = new Set(offTopic.map((u) => u.text));
    offTopic.push(...quotes.filter((q) => !counted.has(q)).map((text) => ({ text, strings: [], sources: [] })));
  }
  return {
    id: job.id,
    kind: job.kind,
    task: job.task,
    taskId: record.task_id,
    status: record.status,
    ...(record.error ? { error: `${record.error.code}: ${record.error.message}` } : {}),
    facts: scoreFacts(body, job.facts),
    stale: staleLines(body, paths, staleStrings, new Set(gold.stalePaths)),
    offTopic,
    quotes: quotes.length,
    ...(job.kind === 'unanswerable' ? { honest: record.status === 'completed' && isHonestNotFound(body) } : {}),
    report,
  };
}

function summarise(corpus: CorpusName, tasks: TaskQuality[], meta: { documents: number; indexed: number; agents: number; durationMs: number }): QualityReport {
  const facts = tasks.flatMap((t) => t.facts);
  const found = facts.filter((f) => f.found).length;
  const unanswerable = tasks.filter((t) => t.kind === 'unanswerable');
  return {
    corpus,
    ...meta,
    tasks,
    coverage: { found, total: facts.length, ratio: facts.length ? found / facts.length : 1 },
    stale: tasks.reduce((n, t) => n + t.stale.length, 0),
    offTopic: tasks.reduce((n, t) => n + t.offTopic.length, 0),
    unanswerable: {
      total: unanswerable.length,
      honest: unanswerable.filter((t) => t.honest).length,
      quotes: unanswerable.reduce((n, t) => n + t.quotes, 0),
    },
    failed: tasks.filter((t) => t.status !== 'completed').length,
  };
}

/** Generate corpus `name`, run its gold tasks through the real services, and score the reports. */
export async function measureQuality(name: CorpusName, options: QualityOptions = {}): Promise<QualityReport> {
  const started = Date.now();
  const small = options.small ?? false;
  const agents = options.agents ?? (small ? 5 : 8);
  const gold = GOLD[name];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `mcpo-quality-${name}-`));
  const corpusDir = path.join(tmp, 'corpus');
  await makeCorpus(name, corpusDir);
  const config = loadConfig({ STORE: 'memory', DATA_DIR: path.join(tmp, 'data'), CORPUS_DIR: corpusDir, LOG_LEVEL: 'silent', DEFAULT_PROVIDER: 'local', SHUTDOWN_GRACE_MS: '0' });
  const logger = createLogger({ level: config.logLevel, destination: new Writable({ write: (_c, _e, done) => done() }) });
  const services = await createServices(config, logger, { watchCorpus: false });
  try {
    const staleStrings = [...new Set([...gold.briefs, ...gold.questions].flatMap((t) => t.facts.flatMap((f) => f.stale ?? [])))];
    const jobs = jobsOf(gold, small);
    const submitted: TaskRecord[] = [];
    for (const job of jobs) submitted.push(await services.orchestrator.submit('cascade', researchInputSchema.parse({ task: job.task, num_agents: agents })));
    const records = await Promise.all(submitted.map((r) => waitForFinal(services, r.task_id, options.taskTimeoutMs ?? 120_000)));
    const tasks = jobs.map((job, i) => scoreTask(job, records[i]!, gold, staleStrings));
    const meta = { documents: CORPORA[name].documents.length, indexed: services.corpus.stats().documents, agents, durationMs: Date.now() - started };
    return summarise(name, tasks, meta);
  } finally {
    await services.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Rows for the bench table, with the targets of issue 11. */
export function qualityRows(r: QualityReport): Row[] {
  const u = r.unanswerable;
  return [
    { metric: `quality ${r.corpus}: documents indexed`, ours: `${r.indexed}/${r.documents}`, target: 'all', pass: r.indexed === r.documents },
    { metric: `quality ${r.corpus}: fact coverage (${r.coverage.found}/${r.coverage.total})`, ours: num(r.coverage.ratio, 2), target: '≥ 0.9', pass: r.coverage.ratio >= 0.9 },
    { metric: `quality ${r.corpus}: stale facts stated`, ours: num(r.stale), target: '0', pass: r.stale === 0 },
    { metric: `quality ${r.corpus}: off-topic sentences`, ours: num(r.offTopic), target: '0', pass: r.offTopic === 0 },
    { metric: `quality ${r.corpus}: honest "not found" answers`, ours: `${u.honest}/${u.total}`, target: 'all', pass: u.honest === u.total },
    { metric: `quality ${r.corpus}: quotes in unanswerable reports`, ours: num(u.quotes), target: '0', pass: u.quotes === 0 },
  ];
}

/** The quality rows as a markdown table, like the rest of the bench. */
export function renderQualityTable(report: QualityReport): string {
  return renderTable(qualityRows(report));
}

/** One line per task: what it found and missed, and what it should not have said. */
export function describeQuality(r: QualityReport): string[] {
  return r.tasks.map((t) => {
    const missed = t.facts.filter((f) => !f.found).map((f) => f.id);
    const parts = [
      `  ${r.corpus}/${t.id} (${t.kind}, ${t.status}${t.error ? `: ${t.error}` : ''}): ${num(t.report.length)} chars`,
      t.kind === 'unanswerable' ? `honest ${t.honest ? 'yes' : 'no'}, ${t.quotes} quotes` : `facts ${t.facts.length - missed.length}/${t.facts.length}`,
      missed.length ? `missing ${missed.join(', ')}` : '',
      t.stale.length ? `stale: ${t.stale.map((s) => [...s.strings, ...s.sources].join(' + ')).join('; ')}` : '',
      t.offTopic.length && t.kind !== 'unanswerable' ? `off-topic: ${t.offTopic.map((o) => o.sources.join(' + ')).join('; ')}` : '',
    ];
    return parts.filter(Boolean).join('; ');
  });
}
