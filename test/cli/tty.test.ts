import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, TSX } from '../helpers/child-process.js';
import type { TestServer } from '../helpers/test-server.js';
import { createSwarmModel, startServerWith } from '../http/stream-fixtures.js';

// util-linux `script` gives the CLI a real pseudo-terminal, as a user's shell would.
const SCRIPT = ['/usr/bin/script', '/bin/script'].find((p) => fs.existsSync(p));

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

describe.runIf(SCRIPT)('mcp-orchestrator search on a terminal', () => {
  it('draws a board redrawn in place, one line per agent, then the report', async () => {
    server = await startServerWith(createSwarmModel({ delayMs: 150, worker: (c) => `finding ${c.index} https://example.org/${c.index}` }));
    const command = [process.execPath, '--import', TSX, CLI, 'search', 'tides', '-n', '2', '--server', server.url].map(quote).join(' ');
    const proc = spawn(SCRIPT!, ['-q', '-e', '-c', command, '/dev/null'], { env: { PATH: process.env.PATH, TERM: 'xterm-256color', COLUMNS: '120', LINES: '40' } });
    let out = '';
    proc.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toContain('\x1b[?25l'); // cursor hidden while drawing…
    expect(out).toContain('\x1b[?25h'); // …and shown again
    // eslint-disable-next-line no-control-regex -- ANSI escapes are what this test reads
    expect(out).toMatch(/\x1b\[\d+A\r/); // redrawn in place: cursor moved up over the last frame
    // eslint-disable-next-line no-control-regex -- ANSI escapes are what this test reads
    expect(out).toMatch(/search_\S+ {2}\x1b\[32mcompleted\x1b\[0m {2}\[█{20}\] 4\/4 agents/);
    for (const agent of ['planner', 'general-1', 'general-2', 'synthesizer']) expect(out).toMatch(new RegExp(`✓\\x1b\\[0m ${agent}\\s`));
    expect(out).not.toMatch(/^#\d+ /m); // no plain event lines on a terminal
    expect(out).toContain('final synthesis');
  });
});
