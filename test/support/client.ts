import net from 'node:net';

export interface Exchange {
  /** Everything the client received before the connection closed. */
  received: Buffer;
  /** Whether the connection ended with an error (reset) rather than a FIN. */
  error?: Error;
}

/**
 * Connects, optionally sends `payload` at once (and ends its side when `end` is set), and
 * collects what comes back until close.
 */
export function exchange(port: number, payload?: string | Buffer, options: { end?: boolean; host?: string } = {}): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: Error | undefined;
    const socket = net.connect({ port, host: options.host ?? '127.0.0.1', allowHalfOpen: true });
    if (payload !== undefined) socket.write(payload);
    if (options.end) socket.end();
    else socket.on('end', () => socket.end());
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e) => (error = e));
    socket.on('close', () => resolve(error ? { received: Buffer.concat(chunks), error } : { received: Buffer.concat(chunks) }));
  });
}

/**
 * Sends `payload`, waits for `expect` bytes back (the echo, by default), then ends and waits
 * for the close. Ending only after the reply suits proxies that tear down at the first FIN.
 */
export function roundTrip(port: number, payload: string | Buffer, expect = Buffer.byteLength(payload)): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.write(payload);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= expect) socket.end();
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
}
