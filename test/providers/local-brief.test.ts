import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jsonSchema, stepCountIs, streamText, tool, type LanguageModel } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { createLocalModel } from '../../src/providers/local/local-model.js';

const FUNDING_MD = `# Funding history

Last updated: May 2026

## Rounds

| Round | Date | Amount | Lead investor |
|---|---|---|---|
| Seed | Jan 2021 | $4M | Alder Ventures |
| Series A | Jun 2022 | $15M | Birch Partners |
| Series B | Mar 2023 | $40M | Northwind Capital |
`;

const RISKS_MD = `# Risk register

Last updated: April 2026

## Key risks

The main supply risk is a single supplier of lidar sensors in Taiwan.

Currency risk arises because most revenue is earned in euros.
`;

const TASK = 'Brief: (1) funding, (2) risks.';
/** Words no document holds and no brief asks about: the model must not read them. */
const NONSENSE = 'zzz qqq';
const NOT_FOUND = 'The documents in the corpus do not answer this: ';

let tmp: string;
let corpus: CorpusIndex;
let model: LanguageModel;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-local-brief-'));
  fs.writeFileSync(path.join(tmp, 'funding.md'), FUNDING_MD);
  fs.writeFileSync(path.join(tmp, 'risks.md'), RISKS_MD);
  corpus = await createCorpusIndex({ dir: tmp, watch: false });
  model = createLocalModel(corpus);
});
afterAll(() => {
  corpus?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** One call through the AI SDK, as the orchestrator makes it: the brief in `providerOptions.orchestrator`. */
function ask(brief: Record<string, unknown> | undefined, prompt = NONSENSE): PromiseLike<string> {
  return streamText({ model, prompt, ...(brief ? { providerOptions: { orchestrator: brief as never } } : {}) }).text;
}

describe('local model: the brief, not the prompt', () => {
  it('plans one sub-question per part of the brief’s task', async () => {
    const text = await ask({ role: 'planner', task: TASK, count: 8 });
    expect(JSON.parse(text)).toEqual(['Funding', 'Risks']);
  });

  it('answers a worker’s sub-question with the table row, its column names and a source list', async () => {
    const text = await ask({ role: 'worker', task: TASK, question: 'Funding' }, 'What is the capital of France?');
    expect(text).toContain('Round: Series B; Date: Mar 2023; Amount: $40M; Lead investor: Northwind Capital.');
    expect(text).toMatch(/\n\nSources:\n\[1\] funding\.md — Funding history › Rounds \(lines \d+-\d+\)/);
    // Every quoted row is cited, and every number cited is in the list.
    const [body, list] = text.split('\n\nSources:\n');
    for (const line of body!.split('\n')) expect(line).toMatch(/\[\d+\]$/);
    for (const [, n] of body!.matchAll(/\[(\d+)\]/g)) expect(list).toMatch(new RegExp(`^\\[${n}\\] funding\\.md`, 'm'));
    expect(text).not.toContain('risks.md');
  });

  it('says in one plain sentence that the documents do not answer, quoting nothing', async () => {
    const question = 'What is the capital of France?';
    const text = await ask({ role: 'worker', task: question, question });
    expect(text).toBe(`${NOT_FOUND}${question}`);
    expect(text).not.toContain('[');
  });

  it('merges findings into a report: key figures, one section per part, the not-found part said so', async () => {
    const text = await ask({
      role: 'camina',
      task: TASK,
      findings: [
        { label: 'Funding', content: '- Round: Series B; Amount: $40M. [1]' },
        { label: 'Risks', content: `${NOT_FOUND}Risks` },
      ],
    });
    const figures = text.indexOf('## Key figures');
    const funding = text.indexOf('## Funding');
    const risks = text.indexOf('## Risks');
    expect(figures).toBe(0);
    expect(funding).toBeGreaterThan(figures);
    expect(risks).toBeGreaterThan(funding);
    expect(text.slice(figures, funding)).toContain('- Round: Series B; Amount: $40M. [1]');
    expect(text.slice(funding, risks)).toContain('- Round: Series B; Amount: $40M. [1]');
    expect(text.slice(risks).trim()).toBe(`## Risks\n\n${NOT_FOUND}Risks`);
  });

  it('searches through the search_documents tool when offered, then answers from what it returned', async () => {
    const queries: string[] = [];
    const search_documents = tool({
      description: 'Search the corpus',
      inputSchema: jsonSchema<{ query: string; limit?: number }>({
        type: 'object',
        properties: { query: { type: 'string' }, limit: { type: 'number' } },
        required: ['query'],
      }),
      execute: async ({ query, limit }) => {
        queries.push(query);
        return { results: corpus.search(query, { limit: limit ?? 10 }) };
      },
    });
    const result = streamText({
      model,
      prompt: NONSENSE,
      tools: { search_documents },
      stopWhen: stepCountIs(3),
      providerOptions: { orchestrator: { role: 'worker', task: TASK, question: 'Risks' } },
    });
    const text = await result.text;
    expect(queries).toEqual(['Risks']);
    expect(text).toContain('The main supply risk is a single supplier of lidar sensors in Taiwan.');
    expect(text).toMatch(/Sources:\n\[1\] risks\.md — Risk register › Key risks/);
    expect(text).not.toContain('funding.md');
  });
});

describe('local model called outside the orchestrator', () => {
  it('takes the prompt as a worker’s question when there is no brief', async () => {
    const text = await ask(undefined, 'Who was the lead investor of the Series B?');
    expect(text.split('\n')[0]).toBe('- Round: Series B; Date: Mar 2023; Amount: $40M; Lead investor: Northwind Capital. [1]');
    expect(text).toMatch(/\n\nSources:\n\[1\] funding\.md — /);
  });

  it('answers a prompt the corpus does not cover with the not-found sentence', async () => {
    expect(await ask(undefined, 'What is the capital of France?')).toBe(`${NOT_FOUND}What is the capital of France?`);
  });
});
