import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';

const built = (file: string) => path.join(PROJECT_ROOT, 'dist', file);
const build = () => execFileSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, stdio: 'pipe' });

// `npm start` builds first (prestart). An up-to-date dist/ must not be compiled again: that took
// ~20 s on every start. test/global-setup.ts has just built it.
describe('npm run build', () => {
  it('leaves an up-to-date dist/ untouched', () => {
    const before = fs.statSync(built('main.js')).mtimeMs;
    build();
    expect(fs.statSync(built('main.js')).mtimeMs).toBe(before);
  });

  it('rebuilds what changed in src/', () => {
    const config = path.join(PROJECT_ROOT, 'src', 'config.ts');
    const before = fs.statSync(built('config.js')).mtimeMs;
    const now = new Date();
    fs.utimesSync(config, now, now);
    build();
    expect(fs.statSync(built('config.js')).mtimeMs).toBeGreaterThan(before);
  }, 120_000);
});
