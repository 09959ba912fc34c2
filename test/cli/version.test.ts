import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/config.js';
import { cleanupChildren, CLI, run } from '../helpers/child-process.js';

const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };

afterEach(cleanupChildren);

describe('mcp-orchestrator --version', () => {
  it.each(['--version', '-v', 'version'])('%s prints the package version and exits 0', async (flag) => {
    const child = run(CLI, [flag], {});
    expect((await child.exited).code).toBe(0);
    expect(child.stdout()).toBe(`mcp-orchestrator ${version}\n`);
  });

  it('is listed in the help', async () => {
    const child = run(CLI, ['help'], {});
    await child.exited;
    expect(child.stdout()).toMatch(/--version/);
  });
});
