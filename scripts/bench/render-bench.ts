/**
 * Document rendering: how long a 60-page report takes per format, and whether SSE delivery stays
 * prompt while one renders. A node:http SSE server in this process sends an event every
 * {@link EVERY_MS} ms to {@link CLIENTS} loopback clients; each event carries the time it was due,
 * and a client's delivery latency is arrival minus that. Idle first (the baseline, same run), then
 * while `renderDocuments` lays the report out as PDF and DOCX in its worker thread, then (for
 * comparison, not a target) while the PDF renders on the main thread.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { FORMATS, type DocumentFormat } from '../../src/orchestrator/formats/index.js';
import { renderDocuments } from '../../src/orchestrator/formats/render-in-worker.js';
import { longReport } from '../../test/documents/sample-report.js';
import { ms, num, ratio, type Row } from './report.js';

const CLIENTS = 20;
const EVERY_MS = 5;
const IDLE_MS = 3000;
/** Sections of `longReport` that make about 60 A4 pages of PDF. */
const SECTIONS = 106;

interface Sse {
  latencies: number[];
  close(): Promise<void>;
}

async function startSse(): Promise<Sse> {
  const responses = new Set<http.ServerResponse>();
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    responses.add(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const latencies: number[] = [];
  const start = performance.now();
  let k = 0;
  const timer = setInterval(() => {
    // Every event that fell due since the last tick is sent now, stamped with when it was due.
    while (start + k * EVERY_MS <= performance.now()) {
      const frame = `data: ${start + k * EVERY_MS}\n\n`;
      for (const res of responses) res.write(frame);
      k++;
    }
  }, EVERY_MS);
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => new Promise<http.ClientRequest>((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/' }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        for (const m of chunk.matchAll(/data: ([\d.]+)/g)) latencies.push(performance.now() - Number(m[1]));
      });
      resolve(req);
    });
  })));
  return {
    latencies,
    async close() {
      clearInterval(timer);
      for (const c of clients) c.destroy();
      for (const res of responses) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? NaN;
const sleep = (msecs: number) => new Promise((resolve) => setTimeout(resolve, msecs));

/** Latencies of the events delivered while `work` runs (after a short settle). */
async function during(sse: Sse, work: () => Promise<unknown>): Promise<number[]> {
  await sleep(200);
  const from = sse.latencies.length;
  await work();
  await sleep(50);
  return sse.latencies.slice(from);
}

async function renderTimes(report: ReturnType<typeof longReport>): Promise<Array<{ format: DocumentFormat; ms: number; bytes: number; pages?: number }>> {
  const times = [];
  for (const format of Object.keys(FORMATS) as DocumentFormat[]) {
    const t = performance.now();
    const bytes = await FORMATS[format].render(report);
    const pages = format === 'pdf' ? (Buffer.from(bytes).toString('latin1').match(/\/Type \/Page\n/g) ?? []).length : undefined;
    times.push({ format, ms: performance.now() - t, bytes: bytes.byteLength, pages });
  }
  return times;
}

export interface RenderBench {
  summary: string;
  rows: Row[];
}

export async function measureRender(): Promise<RenderBench> {
  const report = longReport(SECTIONS);
  await renderTimes(report); // warm-up: fonts and modules loaded, JIT warm
  const times = await renderTimes(report);
  const sse = await startSse();
  const idle = await during(sse, () => sleep(IDLE_MS));
  let workerMs = 0;
  const inWorker = await during(sse, async () => {
    const t = performance.now();
    await renderDocuments(['pdf', 'docx'], report);
    workerMs = performance.now() - t;
  });
  const inline = await during(sse, () => FORMATS.pdf.render(report));
  await sse.close();
  const pages = times.find((t) => t.format === 'pdf')?.pages ?? 0;
  const rows: Row[] = times.map((t) => ({ metric: `render ${pages}-page report: ${t.format} (${num(t.bytes / 1024)} KiB)`, ours: ms(t.ms, 0) }));
  rows.push(
    { metric: `render: SSE delivery p99 while PDF+DOCX render in the worker (${num(inWorker.length)} deliveries)`, ours: ms(p99(inWorker)), baseline: ms(p99(idle)), ratio: ratio(p99(inWorker), p99(idle)), target: '≤ 2× idle', pass: p99(inWorker) <= 2 * p99(idle) },
    { metric: 'render: SSE delivery p99 while the PDF renders on the main thread (what the worker avoids)', ours: ms(p99(inline)), baseline: ms(p99(idle)), ratio: ratio(p99(inline), p99(idle)) },
  );
  const summary = `  ${pages} pages; in the worker PDF+DOCX took ${ms(workerMs, 0)} (spawn included); idle p99 ${ms(p99(idle))} over ${num(idle.length)} deliveries, ${CLIENTS} clients, an event every ${EVERY_MS} ms`;
  return { summary, rows };
}
