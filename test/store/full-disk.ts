import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { createSqliteStore, type SqliteStoreOptions } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';

/** Write to `file` until the filesystem refuses with ENOSPC, in ever smaller chunks so no byte is left. */
export function fillFilesystem(file: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    for (const size of [1 << 20, 64 << 10, 4 << 10, 1]) {
      const chunk = Buffer.alloc(size, 0x61);
      try {
        for (;;) fs.writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A small tmpfs at a new folder (needs root); undefined when mounting is not allowed. */
export function mountTmpfs(sizeMb: number): { dir: string; unmount(): void } | undefined {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
  return {
    dir,
    unmount() {
      try {
        execFileSync('umount', [dir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A SQLite store whose disk a test fills and frees for real. */
export interface FullableStore {
  store: Store;
  dataDir: string;
  fill(): void;
  free(): void;
}

/**
 * On `mount` (a tmpfs), the disk is filled with a filler file until ENOSPC. Without one (not
 * root), the store's connection is capped at the pages it has (`max_page_count`): the same real
 * SQLITE_FULL for every write that needs a new page.
 */
export function openFullableStore(mount: string | undefined, options?: SqliteStoreOptions): FullableStore {
  const dataDir = fs.mkdtempSync(path.join(mount ?? os.tmpdir(), 'store-'));
  if (mount) {
    const filler = path.join(mount, 'filler');
    const store = options ? createSqliteStore(dataDir, options) : createSqliteStore(dataDir);
    return { store, dataDir, fill: () => fillFilesystem(filler), free: () => fs.rmSync(filler, { force: true }) };
  }
  let db: Database.Database | undefined;
  const store = createSqliteStore(dataDir, { ...options, configure: (handle) => void (db = handle) });
  return {
    store,
    dataDir,
    fill: () => void db!.pragma(`max_page_count = ${db!.pragma('page_count', { simple: true }) as number}`),
    free: () => void (db!.open && db!.pragma('max_page_count = 1073741823')),
  };
}
