import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** A local HTTP endpoint standing in for Sentry's ingest: it records every envelope it gets. */
export interface FakeSentry {
  /** `http://public@127.0.0.1:<port>/1` */
  dsn: string;
  /** Raw envelope bodies, in arrival order. */
  envelopes: string[];
  /** The items of every envelope, parsed (header lines skipped). */
  events(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startFakeSentry(): Promise<FakeSentry> {
  const envelopes: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      envelopes.push((req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://public@127.0.0.1:${port}/1`,
    envelopes,
    events() {
      // An envelope is: a header line, then item-header / payload line pairs.
      return envelopes.flatMap((text) => {
        const lines = text.split('\n').filter(Boolean).slice(1);
        const items: Array<Record<string, unknown>> = [];
        for (let i = 0; i + 1 < lines.length; i += 2) {
          const header = JSON.parse(lines[i]!) as { type?: string };
          if (header.type === 'event') items.push(JSON.parse(lines[i + 1]!) as Record<string, unknown>);
        }
        return items;
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
