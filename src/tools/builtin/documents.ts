import { z } from 'zod';
import type { CorpusIndex } from '../../corpus/corpus-index.js';
import { defineTool, type RegisteredTool } from '../registry.js';

const corpusPath = z.string().trim().min(1).max(1000);

/** `search_documents`: ranked passages of the corpus, each with its citation. */
export function createSearchDocumentsTool(corpus: CorpusIndex): RegisteredTool {
  return defineTool({
    name: 'search_documents',
    description:
      'Full-text search over the local document corpus (Markdown, text, HTML, PDF, Word). Returns ranked passages ' +
      '(prose, a whole list or code block, or one table row with its column names) with score, snippet, text, a ' +
      'citation (file path relative to the corpus, heading, line range) and the document\'s date and standing ' +
      '(current, draft, archived or superseded): prefer current documents for current figures.',
    category: 'documents',
    tags: ['search', 'documents', 'corpus', 'citations'],
    inputSchema: z.strictObject({
      query: z.string().trim().min(1).max(1000).describe('What to look for'),
      limit: z.number().int().min(1).max(50).default(8).describe('How many passages at most'),
      path: corpusPath.optional().describe('Only search this file or folder (relative to the corpus)'),
    }),
    async execute({ query, limit, path }) {
      const results = corpus.search(query, { limit, path });
      return { query, count: results.length, results };
    },
  });
}

/** `read_document`: lines of one corpus file; paths outside the corpus are refused. */
export function createReadDocumentTool(corpus: CorpusIndex): RegisteredTool {
  return defineTool({
    name: 'read_document',
    description:
      'Read lines of one document of the local corpus (a path relative to the corpus, as search_documents cites it); ' +
      'PDF, Word and HTML documents are read as the Markdown text their line numbers refer to.',
    category: 'documents',
    tags: ['documents', 'corpus', 'read'],
    inputSchema: z
      .strictObject({
        path: corpusPath.describe('File path relative to the corpus'),
        start_line: z.number().int().min(1).default(1),
        end_line: z.number().int().min(1).optional().describe('Inclusive; at most 200 lines after start_line by default'),
      })
      .refine((v) => v.end_line === undefined || v.end_line >= v.start_line, { path: ['end_line'], message: 'must be at least start_line' }),
    async execute({ path, start_line, end_line }) {
      return corpus.read(path, { start_line, end_line });
    },
  });
}
