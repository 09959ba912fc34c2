import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Anthropic server saw. */
export interface AnthropicRequest {
  model: string;
  system: string;
  apiKey: string | undefined;
  version: string | undefined;
  stream: boolean;
}

/**
 * A fake Anthropic Messages API (`POST /v1/messages`, streaming) on a real loopback socket:
 * message_start, a text block in a few deltas, message_delta with usage, message_stop.
 */
export async function startFakeAnthropic(answer: (request: AnthropicRequest) => string) {
  const requests: AnthropicRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body) as { model: string; stream?: boolean; system?: string | Array<{ text: string }> };
      const system = typeof parsed.system === 'string' ? parsed.system : (parsed.system ?? []).map((b) => b.text).join('');
      const request: AnthropicRequest = {
        model: parsed.model,
        system,
        apiKey: req.headers['x-api-key'] as string | undefined,
        version: req.headers['anthropic-version'] as string | undefined,
        stream: parsed.stream === true,
      };
      requests.push(request);
      const text = answer(request);
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('message_start', {
        type: 'message_start',
        message: { id: 'msg_fake', type: 'message', role: 'assistant', model: parsed.model, content: [], stop_reason: null, usage: { input_tokens: 11, output_tokens: 1 } },
      });
      send('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      for (let i = 0; i < text.length; i += 10) send('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: text.slice(i, i + 10) } });
      send('content_block_stop', { type: 'content_block_stop', index: 0 });
      send('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 7 } });
      send('message_stop', { type: 'message_stop' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
