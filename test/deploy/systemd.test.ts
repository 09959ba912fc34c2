import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SCRIPTS = path.join(PROJECT_ROOT, 'scripts');
const UNITS = ['mcp-orchestrator.service', 'mcp-orchestrator-health.service', 'mcp-orchestrator-health.timer'];

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 });
  if (result.error) throw new Error(`${cmd} could not run (${result.error.message}); CI installs it with apt (see the lead's .ci/run)`);
  return { status: result.status, out: `${result.stdout}${result.stderr}` };
}

describe('the systemd units', () => {
  it('pass systemd-analyze verify', () => {
    const result = run('systemd-analyze', ['verify', ...UNITS.map((u) => path.join(SCRIPTS, u))]);
    expect(result.out).toBe('');
    expect(result.status).toBe(0);
  });

  it('rate as well hardened by systemd-analyze security (exposure below 3 of 10)', () => {
    const result = run('systemd-analyze', ['security', '--offline=true', path.join(SCRIPTS, 'mcp-orchestrator.service')], { SYSTEMD_LOG_LEVEL: 'err' });
    const exposure = /Overall exposure level for mcp-orchestrator\.service: ([\d.]+)/.exec(result.out);
    expect(exposure, result.out).not.toBeNull();
    expect(Number(exposure![1])).toBeLessThan(3);
  });

  it('restart on failure, check health, and are hardened with limits and an EnvironmentFile', () => {
    const unit = fs.readFileSync(path.join(SCRIPTS, 'mcp-orchestrator.service'), 'utf8');
    for (const line of [
      'Restart=on-failure',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/mcp-orchestrator',
      'PrivateTmp=true',
      'ProtectHome=true',
      'EnvironmentFile=-/etc/mcp-orchestrator/env',
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
    // Behind the shipped Caddyfile: X-Forwarded-* count only from a trusted proxy.
    expect(unit).toMatch(/\nEnvironment=.* TRUST_PROXY=loopback\b/);
    expect(unit).toMatch(/\nMemoryMax=\S+\n/);
    expect(unit).toMatch(/\nLimitNOFILE=\d+\n/);
    expect(unit).toMatch(/\nExecStartPost=.*health-check\.sh/);
    const watchdog = fs.readFileSync(path.join(SCRIPTS, 'mcp-orchestrator-health.service'), 'utf8');
    expect(watchdog).toMatch(/health-check\.sh .*systemctl try-restart mcp-orchestrator\.service/);
    // A full disk is not restarted away: the server recovers by itself once there is space.
    expect(watchdog).toMatch(/rc = 3 \]; then echo "mcp-orchestrator: disk full, not restarting"/);
  });
});

describe('scripts/install.sh', () => {
  it('--dry-run prints every step and changes nothing', () => {
    const prefix = path.join(os.tmpdir(), `mcpo-install-${process.pid}`);
    const result = run('bash', [path.join(SCRIPTS, 'install.sh'), '--dry-run', '--prefix', prefix, '--data-dir', `${prefix}-data`, '--user', 'mcpo-nobody']);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toContain('+ useradd --system');
    expect(result.out).toContain(`+ write /etc/systemd/system/mcp-orchestrator.service`);
    expect(result.out).toContain(`ReadWritePaths=${prefix}-data`);
    expect(result.out).toContain('+ systemctl enable mcp-orchestrator.service mcp-orchestrator-health.timer');
    expect(fs.existsSync(prefix)).toBe(false);
    expect(fs.existsSync(`${prefix}-data`)).toBe(false);
  });

  it('refuses unknown options', () => {
    expect(run('bash', [path.join(SCRIPTS, 'install.sh'), '--frobnicate']).status).toBe(2);
  });
});

describe('scripts/health-check.sh', () => {
  let server: TestServer;
  let sick: http.Server;
  let sickUrl: string;
  // Asynchronously: the servers it probes answer from this process's event loop.
  const check = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ status: number; out: string }>((resolve) => {
      const file = path.join(SCRIPTS, 'health-check.sh');
      execFile('sh', [file, '--timeout', '2', ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code) : 0, out: `${stdout}${stderr}` }),
      );
    });

  beforeAll(async () => {
    server = await startTestServer();
    sick = http.createServer((_req, res) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"unhealthy","reason":"store unavailable"}'));
    await new Promise<void>((r) => sick.listen(0, '127.0.0.1', r));
    sickUrl = `http://127.0.0.1:${(sick.address() as AddressInfo).port}/health`;
  });
  afterAll(async () => {
    await server?.close();
    await new Promise((r) => sick?.close(r));
  });

  it('exits 0 for a healthy server, found by --url or by HOST and PORT', async () => {
    const byUrl = await check(['--url', `${server.url}/health`]);
    expect(byUrl.status, byUrl.out).toBe(0);
    expect(byUrl.out).toContain('"status":"healthy"');
    const port = new URL(server.url).port;
    expect((await check(['--quiet'], { HOST: '127.0.0.1', PORT: port })).status).toBe(0);
  });

  it('exits 0 for a degraded server (an MCP server it uses is down) and 3 for a full disk', async () => {
    const answering = (status: number, body: object) =>
      new Promise<{ server: http.Server; url: string }>((resolve) => {
        const s = http.createServer((_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
        s.listen(0, '127.0.0.1', () => resolve({ server: s, url: `http://127.0.0.1:${(s.address() as AddressInfo).port}/health` }));
      });
    const degraded = await answering(200, { status: 'degraded', mcp_servers: [{ name: 'files', state: 'failed' }] });
    const full = await answering(503, { status: 'unhealthy', reason: 'store (sqlite) unavailable: disk full', store_error: 'full' });
    try {
      expect((await check(['--url', degraded.url])).status).toBe(0);
      const disk = await check(['--url', full.url]);
      expect(disk.status).toBe(3);
      expect(disk.out).toContain('disk holding DATA_DIR is full');
    } finally {
      degraded.server.close();
      full.server.close();
    }
  });

  it('exits 1 with the reason for a 503 and for a server that is not there', async () => {
    const unhealthy = await check(['--url', sickUrl]);
    expect(unhealthy.status).toBe(1);
    expect(unhealthy.out).toContain('HTTP 503');
    const absent = await check(['--url', 'http://127.0.0.1:1/health', '--retries', '2']);
    expect(absent.status).toBe(1);
    expect(absent.out).toContain('unhealthy');
  });
});
