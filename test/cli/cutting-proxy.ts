import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CuttingProxy {
  url: string;
  /** `Last-Event-ID` of each stream request, in order (undefined when absent). */
  streamRequests: Array<string | undefined>;
  /** How many stream connections were cut. */
  cuts: number;
  close(): Promise<void>;
}

/**
 * A loopback proxy that passes everything through, except that it cuts the first `cutStreams`
 * event-stream connections right after forwarding their first chunk of events: a dropped
 * connection in the middle of a stream, as a flaky network or a restarted proxy makes one.
 */
export async function startCuttingProxy(upstream: string, cutStreams = 1): Promise<CuttingProxy> {
  const target = new URL(upstream);
  const state = { streamRequests: [] as Array<string | undefined>, cuts: 0 };
  const server = http.createServer((req, res) => {
    const isStream = req.url?.startsWith('/stream/') ?? false;
    if (isStream) state.streamRequests.push(req.headers['last-event-id'] as string | undefined);
    const cut = isStream && state.cuts < cutStreams;
    if (cut) state.cuts++;
    const up = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      let seen = '';
      let cutting = false;
      upRes.on('data', (chunk: Buffer) => {
        if (cutting) return;
        seen += chunk.toString();
        // Cut once at least one whole frame went through, so the client has an id to resume from;
        // the socket goes only after that write reached it.
        cutting = cut && /id: \d+\n[^]*?\n\n/.test(seen);
        res.write(chunk, () => {
          if (!cutting) return;
          upRes.destroy();
          res.socket?.destroy();
        });
      });
      upRes.on('end', () => res.end());
    });
    up.on('error', () => res.destroy());
    res.on('close', () => up.destroy());
    req.pipe(up);
  });
  server.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get streamRequests() {
      return state.streamRequests;
    },
    get cuts() {
      return state.cuts;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
