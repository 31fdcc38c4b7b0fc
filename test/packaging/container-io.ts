import { createHash } from 'node:crypto';
import net from 'node:net';

/** Writes `payload` to 127.0.0.1:port and resolves with as many bytes as came back (an echo). */
export function echoThrough(port: number, payload: Buffer, timeoutMs = 20_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const s = net.connect(port, '127.0.0.1', () => s.write(payload));
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      got += d.length;
      if (got >= payload.length) {
        s.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    s.on('error', reject);
    s.setTimeout(timeoutMs, () => s.destroy(new Error(`timeout after ${got} bytes`)));
  });
}

export const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Polls `get` until `done` holds or the time is up; returns the last value (squid logs late). */
export async function until<T>(get: () => T, done: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = get();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = get();
  }
  return value;
}
