import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LanguageModelV3, LanguageModelV3StreamPart } from '@ai-sdk/provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCorpusIndex, type CorpusIndex } from '../../src/corpus/corpus-index.js';
import { createLocalModel } from '../../src/providers/local/local-model.js';

let tmp: string;
let corpus: CorpusIndex;
let model: LanguageModelV3;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-local-turns-'));
  fs.writeFileSync(path.join(tmp, 'backup.md'), '# Backup\n\n## Nightly\n\nThe backup runs every night at two with the online backup command.\n\nEach copy is checked with an integrity check before it is kept.\n');
  corpus = await createCorpusIndex({ dir: tmp, watch: false });
  model = createLocalModel(corpus) as LanguageModelV3;
});
afterAll(() => {
  corpus?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Read a stream, noting how many turns of the event loop had passed when each part arrived. */
async function readWithTurns(stream: ReadableStream<LanguageModelV3StreamPart>) {
  let turns = 0;
  let counting = true;
  const tick = () => {
    turns++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  const seen: Array<{ part: LanguageModelV3StreamPart; turn: number }> = [];
  for await (const part of stream) seen.push({ part, turn: turns });
  counting = false;
  return seen;
}

describe('local model: one slice of work per turn of the event loop', () => {
  it('hands over its stream a part a turn, so what each part sets off runs in a turn of its own', async () => {
    const { stream } = await model.doStream({
      prompt: [{ role: 'user', content: [{ type: 'text', text: 'How often does the backup run?' }] }],
      providerOptions: { orchestrator: { role: 'worker', task: 'How often does the backup run?', question: 'How often does the backup run?' } },
    });
    const seen = await readWithTurns(stream);
    const types = seen.map((s) => s.part.type);
    expect(types[0]).toBe('stream-start');
    expect(types.at(-1)).toBe('finish');
    expect(types).toContain('text-delta');
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.turn, `part ${i} (${types[i]})`).toBeGreaterThan(seen[i - 1]!.turn);
    const text = seen.flatMap((s) => (s.part.type === 'text-delta' ? [s.part.delta] : [])).join('');
    expect(text).toContain('online backup command');
  });
});
