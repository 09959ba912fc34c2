/**
 * A web stream's bytes as UTF-8 text, or `undefined` once it holds more than `maxBytes` (the rest
 * is not read: the stream is cancelled). For bodies whose size a peer decides.
 */
export async function readCappedText(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
