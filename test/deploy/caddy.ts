import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/config.js';
import { freePort } from '../helpers/ports.js';

export const CADDYFILE = path.join(PROJECT_ROOT, 'Caddyfile');
export const CLUSTER_CADDYFILE = path.join(PROJECT_ROOT, 'Caddyfile.cluster');
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

/**
 * Caddy's environment: the site and upstream of the test, its admin API on a free port (the
 * default localhost:2019 may be taken by a system Caddy), and its storage in a scratch folder.
 */
function caddyEnv(home: string, extra: Record<string, string>): NodeJS.ProcessEnv {
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

/** `caddy validate` on `caddyfile` (the shipped Caddyfile by default) with `env`; answers its exit code and output. */
export function validateCaddyfile(env: Record<string, string>, caddyfile = CADDYFILE): { status: number | null; output: string } {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-caddy-'));
  try {
    const result = spawnSync(CADDY, ['validate', '--config', caddyfile, '--adapter', 'caddyfile'], { env: caddyEnv(home, env), encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    fs.rmSync(home, { recursive: true, force: true });
  }
}

/**
 * `caddy run` with `caddyfile` and `env`, its site on a free loopback port (SITE_ADDRESS, set here)
 * and its storage in a scratch HOME; resolves once `readyPath` answers 200 through it. `stop()`
 * ends it by its own pid.
 */
export async function runCaddy(caddyfile: string, env: Record<string, string>, readyPath = '/mcp/health'): Promise<RunningCaddy> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-caddy-'));
  const url = `http://127.0.0.1:${await freePort()}`;
  const proc = spawn(CADDY, ['run', '--config', caddyfile, '--adapter', 'caddyfile'], {
    env: caddyEnv(home, { ...env, SITE_ADDRESS: url }),
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
    if (await fetch(`${url}${readyPath}`).then((r) => r.status === 200, () => false)) return { url, proc, output: () => output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`caddy did not proxy ${readyPath} within 20 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The shipped Caddyfile in front of `upstream` (HOST:PORT), its admin API on a free port; resolves once `/mcp/health` answers through it. */
export async function startCaddy(upstream: string): Promise<RunningCaddy> {
  return runCaddy(CADDYFILE, { UPSTREAM: upstream, CADDY_ADMIN: `127.0.0.1:${await freePort()}` });
}

/** Caddyfile.cluster's upstreams: `ports` as UPSTREAM_PORT_1, UPSTREAM_PORT_2, … on loopback. */
export function clusterUpstreams(ports: number[]): Record<string, string> {
  return { UPSTREAM_HOST: '127.0.0.1', ...Object.fromEntries(ports.map((p, i) => [`UPSTREAM_PORT_${i + 1}`, String(p)])) };
}
