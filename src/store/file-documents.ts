import fs from 'node:fs/promises';
import path from 'node:path';
import type { DocumentStore } from './store.js';

/** Report files in `<dataDir>/documents/<task>.<extension>` (the embedded stores' choice). */
export function createFileDocumentStore(dataDir: string): DocumentStore {
  const dir = path.join(dataDir, 'documents');
  const file = (taskId: string, extension: string) => path.join(dir, `${taskId}.${extension}`);
  return {
    location: dir,
    async put(taskId, extension, content) {
      await fs.mkdir(dir, { recursive: true });
      // Written beside and renamed, so a reader never sees half a file.
      const temporary = `${file(taskId, extension)}.${process.pid}.tmp`;
      await fs.writeFile(temporary, content);
      await fs.rename(temporary, file(taskId, extension));
    },
    get: (taskId, extension) => fs.readFile(file(taskId, extension)).catch(() => undefined),
    async remove(taskIds) {
      const names = await fs.readdir(dir).catch(() => [] as string[]);
      const doomed = new Set(taskIds);
      await Promise.all(
        names.filter((n) => doomed.has(n.slice(0, n.indexOf('.')))).map((n) => fs.rm(path.join(dir, n), { force: true })),
      );
    },
  };
}
