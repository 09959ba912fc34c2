import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A package loaded the first time it is used, not at start: the HTML and Word readers (linkedom,
 * Readability, mammoth) cost some 24 MB a server that never meets such a file does without. Each
 * is loaded through its CommonJS entry, synchronously, so the functions using it stay as they are;
 * every user of a package goes through this, so it is loaded once.
 */
export function lazyModule<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
