import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../src/config.js';

// The real entry points, run by Node with tsx's loader (`node --import tsx file.ts`). The loader is
// given by absolute URL because the children run in a scratch directory (so no .env of the
// project can leak in), where a bare `tsx` would not resolve.
export const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
export const MAIN = path.join(PROJECT_ROOT, 'src', 'main.ts');
export const CLI = path.join(PROJECT_ROOT, 'src', 'cli', 'main.ts');
/** The built command (`npm run build`; test/global-setup.ts builds it before the suite). */
export const BUILT_CLI = path.join(PROJECT_ROOT, 'dist', 'cli', 'main.js');

export interface Child {
  proc: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code and signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];
const scratch: string[] = [];

/** Kill every child still running (SIGKILL) and remove scratch folders; call from afterEach. */
export async function cleanupChildren(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.proc.exitCode === null && child.proc.signalCode === null) {
      child.proc.kill('SIGKILL');
      await child.exited;
    }
  }
  for (const dir of scratch.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export function scratchDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-process-'));
  scratch.push(dir);
  return dir;
}

/** Run `file` with a clean environment (only PATH and what the test gives) in a scratch directory. */
export function run(file: string, args: string[], env: Record<string, string>, cwd = scratchDir()): Child {
  const proc = spawn(process.execPath, ['--import', TSX, file, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', DATA_DIR: path.join(cwd, 'data'), STORE: 'memory', ALT_PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const child = { proc, stdout: () => out, stderr: () => err, exited };
  children.push(child);
  return child;
}

/** JSON log lines written so far on stdout. */
export function logLines(child: Child): Array<Record<string, unknown>> {
  return child
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Wait for the "listening" log line and answer the port it names. */
export async function listeningPort(child: Child): Promise<number> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const line = logLines(child).find((l) => l.msg === 'mcp-orchestrator listening');
    if (line) return (line.address as { port: number }).port;
    if (child.proc.exitCode !== null) throw new Error(`the server exited with ${child.proc.exitCode}: ${child.stderr()}${child.stdout()}`);
    if (Date.now() > deadline) throw new Error(`no "listening" line; stdout: ${child.stdout()} stderr: ${child.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

