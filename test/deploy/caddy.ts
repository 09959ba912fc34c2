import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';

export const CADDYFILE = path.join(PROJECT_ROOT, 'Caddyfile');
const CADDY = process.env.CADDY_BIN ?? 'caddy';

/** Fail (never skip) when caddy is missing: CI installs it with apt, and these tests are the proof the Caddyfile works. */
export function requireCaddy(): string {
  const probe = spawnSync(CADDY, ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `caddy is not installed or does not run (${probe.error?.message ?? probe.stderr}). ` +
        'These tests run the real Caddy in front of the server: apt-get install -y caddy (.ci/run does), or set CADDY_BIN.',
    );
  }
  return probe.stdout.trim();
}

/** A free loopback port (closed again at once; Caddy binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Caddy's environment: the site and upstream of the test, its admin API on a free port (the
 * default localhost:2019 may be taken by a system Caddy), and its storage in a scratch folder.
 */
export function caddyEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    XDG_DATA_HOME: path.join(home, 'data'),
    XDG_CONFIG_HOME: path.join(home, 'config'),
    ...extra,
  };
}

export interface RunningCaddy {
  url: string;
  proc: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** `caddy validate` on the shipped Caddyfile with `env`; answers its exit code and output. */
export function validateCaddyfile(env: Record<string, string>): { status: number | null; output: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-caddy-'));
  try {
    const result = spawnSync(CADDY, ['validate', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env: caddyEnv(home, env), encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/** Run the shipped Caddyfile with `caddy run` in front of `upstream` (HOST:PORT); resolves once `/mcp/health` answers through it. */
export async function startCaddy(upstream: string): Promise<RunningCaddy> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-caddy-'));
  const [port, adminPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const env = caddyEnv(home, { SITE_ADDRESS: url, UPSTREAM: upstream, CADDY_ADMIN: `127.0.0.1:${adminPort}` });
  const proc = spawn(CADDY, ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  proc.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM'); // its own pid only
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(home, { recursive: true, force: true });
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      await stop();
      throw new Error(`caddy exited with ${proc.exitCode}:\n${output}`);
    }
    const ok = await fetch(`${url}/mcp/health`).then((r) => r.status === 200, () => false);
    if (ok) return { url, proc, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not proxy /mcp/health within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
