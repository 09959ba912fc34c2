import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createServices, type Services } from '../../src/services.js';
import { createZeroModel, type ZeroModelOptions } from './zero-model.js';

/** The real domain, wired as `main.ts` does, with the zero model as the `local` provider. */
export interface BenchServices {
  services: Services;
  close(): Promise<void>;
}

/**
 * Services for a bench run: memory store, a temp data dir, default limits, and a pino logger at
 * `info` whose lines are formatted (a real cost) but thrown away.
 */
export async function createBenchServices(model: ZeroModelOptions = {}, env: Record<string, string> = {}): Promise<BenchServices> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcpo-bench-'));
  const config = loadConfig({ STORE: 'memory', DATA_DIR: dataDir, LOG_LEVEL: 'info', SHUTDOWN_GRACE_MS: '0', ...env });
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const logger = createLogger({ level: config.logLevel, destination: sink });
  const services = await createServices(config, logger, { providers: { local: createZeroModel(model) } });
  return {
    services,
    async close() {
      await services.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
