import fs from 'node:fs/promises';
import path from 'node:path';
import { toStoreError } from '../store/store-error.js';
import type { AgentResult, DocumentRef, TaskRecord } from './task.js';

/**
 * The Markdown report of a task: its final synthesis (which ends with the task's numbered sources),
 * then each worker's findings, cited with the same numbers.
 */
export function renderMarkdownReport(record: TaskRecord, finalSynthesis: string, agents: AgentResult[]): string {
  const lines = [
    `# ${record.title}`,
    '',
    `_${record.pattern} · ${record.provider}/${record.model} · task ${record.task_id} · ${new Date().toISOString()}_`,
    '',
    // A synthesizer that wrote the title anyway does not get it twice.
    finalSynthesis.replace(/^#\s+.*\n+/, (h) => (h.slice(1).trim() === record.title.trim() ? '' : h)).trim(),
    '',
  ];
  const workers = agents.filter((a) => a.role === 'worker');
  if (workers.length) {
    lines.push('## Agent findings', '');
    for (const a of workers) {
      lines.push(`### ${a.agent_id}: ${a.subtask}`, '', a.status === 'completed' ? a.content.trim() : `_${a.status}: ${a.error?.message ?? ''}_`, '');
    }
  }
  return lines.join('\n');
}

/** Where a task's documents live under `DATA_DIR`. */
export function documentPath(dataDir: string, taskId: string, format: 'markdown'): string {
  const ext = format === 'markdown' ? 'md' : format;
  return path.join(dataDir, 'documents', `${taskId}.${ext}`);
}

/** Write the report file and describe it for the task record. */
export async function writeMarkdownReport(dataDir: string, record: TaskRecord, content: string): Promise<DocumentRef> {
  const file = documentPath(dataDir, record.task_id, 'markdown');
  try {
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, content, 'utf8');
  } catch (error) {
    // ENOSPC and the like: the task fails `store_unavailable`, like a database write would.
    throw toStoreError(error);
  }
  return { format: 'markdown', filename: path.basename(file), bytes: Buffer.byteLength(content), url: `/tasks/${record.task_id}/documents/markdown` };
}
