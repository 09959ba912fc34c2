import fs from 'node:fs';
import { z } from 'zod';

const priceSchema = z.object({ input_per_mtok: z.number().nonnegative(), output_per_mtok: z.number().nonnegative() });
const tableSchema = z.record(z.string(), z.unknown());

/** USD per million input and output tokens. */
export type Price = z.infer<typeof priceSchema>;

/** Looks up the price of `provider/model`; `undefined` when the table does not know it. */
export interface PriceTable {
  price(provider: string, model: string): Price | undefined;
  /** Cost of a call in USD, and whether the price was known. */
  cost(provider: string, model: string, inputTokens: number, outputTokens: number): { cost_usd: number; known: boolean };
}

export function createPriceTable(entries: Record<string, Price>): PriceTable {
  const table = new Map(Object.entries(entries));
  const price = (provider: string, model: string) => table.get(`${provider}/${model}`);
  return {
    price,
    cost(provider, model, inputTokens, outputTokens) {
      const p = price(provider, model);
      if (!p) return { cost_usd: 0, known: false };
      return { cost_usd: (inputTokens * p.input_per_mtok + outputTokens * p.output_per_mtok) / 1_000_000, known: true };
    },
  };
}

/** Read the price table file. Keys starting with `_` are comments. Throws with a readable message. */
export function loadPriceTable(file: string): PriceTable {
  const raw = tableSchema.parse(JSON.parse(fs.readFileSync(file, 'utf8')));
  const entries: Record<string, Price> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('_')) continue;
    const parsed = priceSchema.safeParse(value);
    if (!parsed.success) throw new Error(`${file}: ${key}: expected {input_per_mtok, output_per_mtok}`);
    entries[key] = parsed.data;
  }
  return createPriceTable(entries);
}
