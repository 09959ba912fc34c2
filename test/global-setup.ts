import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { PROJECT_ROOT } from '../src/config.js';

/**
 * Build dist/ once before the suite: the MCP stdio tests spawn the built CLI, as a desktop client
 * would. Cheap when CI has just built it; makes `npm test` work on its own after a fresh `npm ci`.
 */
export default function setup(): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
}
