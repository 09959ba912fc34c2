import type { AgentResult, TaskRecord } from '../orchestrator/task.js';

/**
 * The lists of agent results a task record carries. A running task's lists only grow, and a
 * result is not changed once it is in its list, so the stores write (or copy) each result once and
 * the rest of the record — the task row — on every save.
 */
export const RESULT_LISTS = ['agent_results', 'synthesis_results'] as const;
export type ResultListName = (typeof RESULT_LISTS)[number];

/** The result lists this record has. */
export const resultListsOf = (t: TaskRecord): ResultListName[] => RESULT_LISTS.filter((list) => Array.isArray(t.result?.[list]));

/** The record with its result lists empty (a new object; its keys keep their order). */
export function withoutResults(t: TaskRecord): TaskRecord {
  const lists = resultListsOf(t);
  if (lists.length === 0) return t;
  return { ...t, result: { ...t.result!, ...Object.fromEntries(lists.map((list) => [list, []])) } };
}

/**
 * How far a store has seen each result list, by the array object a running task appends to: its
 * length then, and its last element (a `WeakMap`, gone with the array).
 */
export function createListTracker() {
  const seen = new WeakMap<AgentResult[], { count: number; last: AgentResult | undefined }>();
  return {
    /** How many leading results are as they were when `results` was last marked; 0 for an array not seen, or one that shrank or changed. */
    kept(results: AgentResult[]): number {
      const known = seen.get(results);
      if (!known || known.count > results.length) return 0;
      return known.count === 0 || results[known.count - 1] === known.last ? known.count : 0;
    },
    mark(results: AgentResult[]): void {
      seen.set(results, { count: results.length, last: results.at(-1) });
    },
  };
}

/**
 * Copies of task records to keep, made cheaply: each result is copied once (the copy is kept by
 * the result object, in a `WeakMap`) and shared by later copies of the same task, so copying a
 * record with N results costs its task row and its new results, not N results.
 */
export function createRecordCopier() {
  const copies = new WeakMap<AgentResult, AgentResult>();
  const copyOf = (result: AgentResult): AgentResult => {
    let copy = copies.get(result);
    if (!copy) copies.set(result, (copy = structuredClone(result)));
    return copy;
  };
  return (task: TaskRecord): TaskRecord => {
    const copy = structuredClone(withoutResults(task));
    for (const list of resultListsOf(task)) copy.result![list] = task.result![list].map(copyOf);
    return copy;
  };
}
