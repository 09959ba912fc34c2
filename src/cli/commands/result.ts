import fs from 'node:fs/promises';
import { UsageError, type Client, type TaskRecord } from '../client.js';
import { clientFrom, COMMON_HELP, onePositional, parseCommand } from '../options.js';
import { exitCodeOf, reportMarkdown } from '../report.js';
import type { ClientCommand } from './command.js';

/** The formats a server may have written; the server says which a task has. */
const FORMATS = ['markdown', 'pdf', 'docx'] as const;
const BINARY = new Set(['pdf', 'docx']);

const options = {
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

/** The stored document of `format` (generate_documents), or why the task has none. */
async function fetchDocument(client: Client, record: TaskRecord, format: string): Promise<Buffer> {
  const doc = record.result?.documents?.find((d) => d.format === format);
  if (!doc) {
    const failed = record.result?.document_errors?.find((e) => e.format === format);
    const has = record.result?.documents?.map((d) => d.format) ?? [];
    throw new UsageError(
      failed
        ? `the ${format} document of task ${record.task_id} failed to render: ${failed.message}`
        : `task ${record.task_id} has no ${format} document (it has: ${has.length ? has.join(', ') : 'none'}; start it with document_formats including ${format})`,
    );
  }
  return client.download(doc.url);
}

function checkFormat(format: string | undefined, output: string | undefined): void {
  if (format !== undefined && !(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
  }
  // Bytes of a PDF or a Word file would garble a terminal: a file, or a pipe.
  if (format && BINARY.has(format) && output === undefined && process.stdout.isTTY) {
    throw new UsageError(`refusing to write a binary ${format} document to the terminal: give -o FILE (or redirect stdout)`);
  }
}

async function write(output: string | undefined, bytes: Buffer | string): Promise<void> {
  if (output === undefined) process.stdout.write(bytes);
  else await fs.writeFile(output, bytes);
}

export const resultCommand: ClientCommand = {
  name: 'result',
  summary: "print a finished task's report (Markdown) with its citations, or download one of its documents",
  usage: `<task_id> [options]

  --format <f>          a document the task wrote (generate_documents): ${FORMATS.join(', ')}
  -o, --output <file>   write to a file (bytes as served) instead of stdout; a pdf or docx
                        is never written to a terminal: give -o or redirect stdout

Exit: 0 completed, 1 failed, cancelled or still running.
${COMMON_HELP}`,
  async run(args, env) {
    const { values, positionals } = parseCommand(args, options);
    checkFormat(values.format, values.output);
    const client = clientFrom(values, env);
    const record = await client.get(onePositional(positionals, 'task id'));
    if (record.status === 'pending' || record.status === 'running') {
      process.stderr.write(`task ${record.task_id} is still ${record.status}; follow it with: mcp-orchestrator tail ${record.task_id}\n`);
      return 1;
    }
    if (values.format) {
      const bytes = await fetchDocument(client, record, values.format);
      await write(values.output, bytes);
      if (values.output !== undefined) process.stderr.write(`wrote ${values.output} (${values.format}, ${bytes.length} bytes)\n`);
    } else if (values.json) {
      await write(values.output, `${JSON.stringify({ task_id: record.task_id, status: record.status, result: record.result ?? null, error: record.error }, null, 2)}\n`);
    } else {
      await write(values.output, reportMarkdown(record));
      if (record.error) process.stderr.write(`task ${record.status}: ${record.error.code}: ${record.error.message}\n`);
      else if (record.status !== 'completed') process.stderr.write(`task ${record.status}\n`);
    }
    return exitCodeOf(record);
  },
};
