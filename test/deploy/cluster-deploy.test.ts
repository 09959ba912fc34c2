import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { freePort } from '../helpers/ports.js';
import { CLUSTER_CADDYFILE, clusterUpstreams, requireCaddy, runCaddy, validateCaddyfile, type RunningCaddy } from './caddy.js';

const TEMPLATE = path.join(PROJECT_ROOT, 'scripts', 'mcp-orchestrator@.service');

/** A stand-in for one instance: answers who it is, holds SSE responses open until released. */
interface Stub {
  name: string;
  port: number;
  /** What /health answers. */
  health: number;
  /** Responses of /sse still open. */
  open: number;
  release(): void;
  close(): Promise<void>;
}

interface Served {
  stub: string;
  url: string;
  prefix: string | undefined;
  session: string | undefined;
  body: string;
}

async function startStub(name: string): Promise<Stub> {
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(stub.health, { 'content-type': 'application/json' }).end(JSON.stringify({ status: stub.health === 200 ? 'healthy' : 'unhealthy' }));
      return;
    }
    if (req.url === '/sse') {
      // As the server does: headers and a first frame at once, the rest later.
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(`data: {"stub":"${name}","frame":1}\n\n`);
      held.add(res);
      stub.open++;
      res.once('close', () => {
        held.delete(res);
        stub.open--;
      });
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const served: Served = {
        stub: name,
        url: req.url ?? '',
        prefix: req.headers['x-forwarded-prefix'] as string | undefined,
        session: req.headers['mcp-session-id'] as string | undefined,
        body,
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(served));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub: Stub = {
    name,
    port: (server.address() as AddressInfo).port,
    health: 200,
    open: 0,
    release() {
      for (const res of held) res.end(`data: {"stub":"${name}","frame":2}\n\n`);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return stub;
}

/** An open SSE response through Caddy: its chunks as they arrive. */
interface OpenStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  text(): string;
  until(check: (text: string) => boolean, timeoutMs?: number): Promise<void>;
  ended: Promise<void>;
}

function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip, deflate, br, zstd', ...headers } }, (res) => {
      let text = '';
      const waiters: Array<() => void> = [];
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.splice(0)) w();
      });
      const ended = new Promise<void>((r) => res.once('end', r));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => text,
        ended,
        async until(check, timeoutMs = 5000) {
          const deadline = Date.now() + timeoutMs;
          while (!check(text)) {
            if (Date.now() > deadline) throw new Error(`stream: condition not met in ${timeoutMs} ms; got ${JSON.stringify(text)}`);
            await new Promise<void>((r) => {
              waiters.push(r);
              setTimeout(r, 50);
            });
          }
        },
      });
    });
    req.once('error', reject);
    // A proxy that holds the response back never sends its headers: fail in seconds, not at the test's timeout.
    const timer = setTimeout(() => req.destroy(new Error('no response headers within 5 s: the proxy holds the stream back')), 5000);
    req.once('response', () => clearTimeout(timer));
  });
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Caddyfile.cluster, run by caddy in front of three instances', () => {
  let stubs: Stub[];
  let caddy: RunningCaddy;
  const call = async (pathname: string, init: RequestInit = {}) => {
    const res = await fetch(`${caddy.url}/mcp${pathname}`, init);
    // On failure, the errors Caddy logged say why.
    expect(res.status, caddy.output().split('\n').filter((l) => l.includes('"level":"error"')).slice(-3).join('\n')).toBe(200);
    return (await res.json()) as Served;
  };
  const asSession = (owner: Stub, init: RequestInit = {}) =>
    call('/mcp', { ...init, headers: { 'mcp-session-id': `p${owner.port}.9b2c7a4e-xyz`, ...(init.headers as Record<string, string> | undefined) } });

  beforeAll(async () => {
    requireCaddy();
    stubs = [await startStub('A'), await startStub('B'), await startStub('C')];
    // The stubs answer any path but /health and /sse: /mcp/ready getting through means Caddy is up.
    const upstreams = clusterUpstreams(stubs.map((s) => s.port));
    caddy = await runCaddy(CLUSTER_CADDYFILE, { ...upstreams, CADDY_ADMIN: `127.0.0.1:${await freePort()}` }, '/mcp/ready');
  }, 40_000);
  afterEach(() => {
    for (const stub of stubs) stub.release();
  });
  afterAll(async () => {
    await caddy?.stop();
    await Promise.all((stubs ?? []).map((s) => s.close()));
  });

  it('passes caddy validate, with the defaults and with the variables set', () => {
    for (const env of [
      {} as Record<string, string>,
      { SITE_ADDRESS: 'http://127.0.0.1:8088', UPSTREAM_HOST: '127.0.0.1', UPSTREAM_PORT_1: '6001', UPSTREAM_PORT_2: '6002', UPSTREAM_PORT_3: '6003', CADDY_ADMIN: 'off' },
    ]) {
      const result = validateCaddyfile(env, CLUSTER_CADDYFILE);
      expect(result.output).toContain('Valid configuration');
      expect(result.status).toBe(0);
    }
  });

  it('spreads requests over all three instances, with the /mcp prefix stripped and announced', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 60; i++) {
      const served = await call(`/tools?i=${i}`);
      expect(served.url).toBe(`/tools?i=${i}`);
      expect(served.prefix).toBe('/mcp');
      seen.set(served.stub, (seen.get(served.stub) ?? 0) + 1);
    }
    // least_conn picks at random among idle instances: missing one in 60 is a chance of 1e-10.
    expect([...seen.keys()].sort()).toEqual(['A', 'B', 'C']);
    const bare = await fetch(`${caddy.url}/mcp`, { redirect: 'manual' });
    expect(bare.status).toBe(308);
    expect(bare.headers.get('location')).toBe('/mcp/');
  });

  it('sends each new long-lived stream to the instance with the fewest open (least_conn)', async () => {
    const streams: OpenStream[] = [];
    for (let i = 0; i < 3; i++) {
      const stream = await openStream(`${caddy.url}/mcp/sse`);
      await stream.until((t) => t.includes('"frame":1'));
      streams.push(stream);
    }
    expect(stubs.map((s) => s.open)).toEqual([1, 1, 1]);
    for (const stub of stubs) stub.release();
    await Promise.all(streams.map((s) => s.ended));
  });

  it('sends every request of a session p<port>.… to the instance on that port, whatever the method', async () => {
    for (const owner of stubs) {
      for (let i = 0; i < 10; i++) {
        const served = i % 2 ? await asSession(owner) : await asSession(owner, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"n":${i}}` });
        expect(served.stub).toBe(owner.name);
        expect(served.url).toBe('/mcp');
        expect(served.session).toBe(`p${owner.port}.9b2c7a4e-xyz`);
        if (i % 2 === 0) expect(served.body).toBe(`{"n":${i}}`);
      }
    }
    // A session id no instance here issued is answered by any of them (its 404 starts the client over).
    expect(['A', 'B', 'C']).toContain((await call('/mcp', { headers: { 'mcp-session-id': 'p1.unknown' } })).stub);
  });

  it('streams SSE through unbuffered: the first frame arrives while the instance still holds the response open', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'mcp-session-id': `p${stubs[1]!.port}.stream` }];
    for (const headers of variants) {
      const stream = await openStream(`${caddy.url}/mcp/sse`, headers);
      expect(stream.status).toBe(200);
      expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
      expect(stream.headers['content-encoding']).toBeUndefined();
      await stream.until((t) => t.includes('"frame":1'));
      // The instance has not ended it: a buffering proxy would have held the frame back.
      expect(stubs.reduce((n, s) => n + s.open, 0)).toBe(1);
      expect(stream.text()).not.toContain('"frame":2');
      if ('mcp-session-id' in headers) expect(stream.text()).toContain('"stub":"B"');
      for (const stub of stubs) stub.release();
      await stream.ended;
      expect(stream.text()).toContain('"frame":2');
    }
  });

  it('takes out an instance whose /health is 503 (store down) and puts it back when it answers 200', async () => {
    const c = stubs[2]!;
    c.health = 503;
    try {
      // The active check runs every 2 s: within a few seconds C gets nothing, sessions of C go to A.
      await until(async () => {
        const served = await Promise.all(Array.from({ length: 12 }, () => call('/tools')));
        return served.every((s) => s.stub !== 'C');
      }, 8000, 'C taken out');
      for (let i = 0; i < 20; i++) expect((await call('/tools')).stub).not.toBe('C');
      expect((await asSession(c)).stub).toBe('A');
    } finally {
      c.health = 200;
    }
    await until(async () => (await asSession(c)).stub === 'C', 8000, 'C back');
  });

  it('retries a request for a dead instance on the next one, then skips it: a session of A reaches B', async () => {
    const a = stubs[0]!;
    await a.close();
    // As when its process exits: its sockets close, and Caddy drops its idle connections to it as
    // soon as it reads their end. Well before the 2 s health check could notice, the next request
    // finds the connection refused and is tried on the next instance (A's order: A, B, C).
    await new Promise((r) => setTimeout(r, 150));
    const started = performance.now();
    const served = await asSession(a);
    expect(served.stub).toBe('B');
    expect(performance.now() - started).toBeLessThan(1500); // one retry (250 ms), not the health check
    // That failure took A out (passive check): POSTs with a body, which Caddy 2.6 cannot resend,
    // now go to B straight away, and the rest to B or C.
    const ping = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
    const post = await asSession(a, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ping });
    expect(post.stub).toBe('B');
    expect(post.body).toBe(ping);
    for (let i = 0; i < 20; i++) {
      const start = await call('/tools/orchestrate_search', { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":"q${i}"}` });
      expect(['B', 'C']).toContain(start.stub);
      expect(start.body).toBe(`{"query":"q${i}"}`);
    }
  });
});

describe('the systemd template unit mcp-orchestrator@.service', () => {
  // A copy named as instance 5061 too, so %i is filled in as systemd will.
  const instance = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-unit-'));
    const file = path.join(dir, 'mcp-orchestrator@5061.service');
    fs.copyFileSync(TEMPLATE, file);
    return { dir, file };
  };
  const run = (args: string[], env: Record<string, string> = {}) => {
    const result = spawnSync('systemd-analyze', args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 });
    if (result.error) throw new Error(`systemd-analyze could not run (${result.error.message}); CI installs systemd with apt (see .ci/run)`);
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  };

  it('passes systemd-analyze verify, as the template and as an instance', () => {
    const { dir, file } = instance();
    try {
      const result = run(['verify', TEMPLATE, file]);
      expect(result.out).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is hardened as the single unit is (systemd-analyze security exposure below 3 of 10)', () => {
    const { dir, file } = instance();
    try {
      const result = run(['security', '--offline=true', file], { SYSTEMD_LOG_LEVEL: 'err' });
      const exposure = /Overall exposure level for mcp-orchestrator@5061\.service: ([\d.]+)/.exec(result.out);
      expect(exposure, result.out).not.toBeNull();
      expect(Number(exposure![1])).toBeLessThan(3);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('runs one instance per port on Redis, its tag and port out of reach of the shared env file', () => {
    const unit = fs.readFileSync(TEMPLATE, 'utf8');
    // The env file (install.sh writes PORT=5060, ALT_PORT=5070) overrides Environment=, not the command line.
    expect(unit).toMatch(/\nExecStart=\/usr\/bin\/env PORT=%i INSTANCE_TAG=p%i ALT_PORT=0 STORE=redis node dist\/main\.js\n/);
    expect(unit).toMatch(/\nExecStartPost=\/usr\/bin\/env PORT=%i \/bin\/sh \/opt\/mcp-orchestrator\/scripts\/health-check\.sh --wait 30\n/);
    for (const line of [
      'EnvironmentFile=-/etc/mcp-orchestrator/env',
      'After=network-online.target redis-server.service',
      'Wants=network-online.target redis-server.service',
      'Restart=on-failure',
    ]) {
      expect(unit).toContain(`\n${line}\n`);
    }
    // Every hardening line of the single unit is in the template too.
    const single = fs.readFileSync(path.join(PROJECT_ROOT, 'scripts', 'mcp-orchestrator.service'), 'utf8');
    const section = (text: string, from: string) => text.slice(text.indexOf(from), text.indexOf('[Install]'));
    const hardening = section(single, '# Hardening').split('\n').filter((l) => /^\w+=/.test(l));
    expect(hardening.length).toBeGreaterThan(20);
    for (const line of hardening) expect(unit).toContain(`\n${line}\n`);
    for (const line of section(single, '# Resources').split('\n').filter((l) => /^(MemoryMax|LimitNOFILE|TasksMax)=/.test(l))) expect(unit).toContain(`\n${line}\n`);
  });
});

describe('scripts/install.sh --cluster', () => {
  const install = (args: string[]) => {
    const result = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'install.sh'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, timeout: 60_000 });
    return { status: result.status, out: `${result.stdout}${result.stderr}` };
  };

  it('--dry-run installs the template and enables one instance per port instead of the single server, changing nothing', () => {
    const prefix = path.join(os.tmpdir(), `mcpo-install-cluster-${process.pid}`);
    const result = install(['--dry-run', '--prefix', prefix, '--data-dir', `${prefix}-data`, '--user', 'mcpo-nobody', '--cluster', '5061,5062,5063']);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toContain('+ write /etc/systemd/system/mcp-orchestrator@.service');
    // The template gets this install's paths and user, as the other units do.
    expect(result.out).toContain(`ExecStartPost=/usr/bin/env PORT=%i /bin/sh ${prefix}/scripts/health-check.sh --wait 30`);
    expect(result.out).toMatch(new RegExp(`mcp-orchestrator@\\.service[^]*ReadWritePaths=${prefix}-data`));
    expect(result.out).toMatch(/mcp-orchestrator@\.service[^]*User=mcpo-nobody/);
    const instances = 'mcp-orchestrator@5061.service mcp-orchestrator@5062.service mcp-orchestrator@5063.service';
    expect(result.out).toContain(`+ systemctl enable ${instances}\n`);
    expect(result.out).toContain(`+ systemctl restart ${instances}\n`);
    expect(result.out).not.toContain('+ systemctl enable mcp-orchestrator.service');
    expect(result.out).not.toContain('+ systemctl restart mcp-orchestrator.service');
    expect(fs.existsSync(prefix)).toBe(false);
  });

  it('refuses a port list that is not ports (exit 2)', () => {
    for (const ports of ['5061,abc', '80', '5061,70000', '']) expect(install(['--dry-run', '--cluster', ports]).status, ports).toBe(2);
    expect(install(['--dry-run', '--cluster']).status).toBe(2);
  });
});
