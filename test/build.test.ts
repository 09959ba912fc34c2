import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

const built = (file: string) => path.join(PROJECT_ROOT, 'dist', file);
const build = () => execFileSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, stdio: 'pipe' });

// `npm start` builds first (prestart). An up-to-date dist/ must not be compiled again: that took
// ~20 s on every start. test/global-setup.ts has just built it. (Not tested here: that a change is
// rebuilt, which is tsc -b's own job; rewriting dist/ mid-suite could break tests that run it.)
describe('npm run build', () => {
  it('leaves an up-to-date dist/ untouched', () => {
    const before = fs.statSync(built('main.js')).mtimeMs;
    build();
    expect(fs.statSync(built('main.js')).mtimeMs).toBe(before);
  });
});
