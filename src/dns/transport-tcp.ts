import net from 'node:net';
import { systemCode } from '../errors';
import { buildQuery, MismatchError, newId, parseResponse, Question } from './message';
import { abortedError, Exchange, protocolError, QueryOptions, timeoutError, transportError } from './transport';

export interface StreamServer {
  host: string;
  port: number;
  label: string;
}

/** One query per connection (RFC 7766 framing: a two-byte length before each message). */
export function queryTcp(server: StreamServer, q: Question, opts: QueryOptions): Promise<Exchange> {
  return new Promise<Exchange>((resolve, reject) => {
    const id = newId();
    const query = buildQuery(q, id);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.length);
    let received = Buffer.alloc(0);
    let settled = false;
    const socket = net.connect({ host: server.host, port: server.port });
    const finish = (err: Error | undefined, exchange?: Exchange) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      if (err) reject(err);
      else resolve(exchange as Exchange);
    };
    const onAbort = () => finish(abortedError());
    const timer = setTimeout(() => finish(timeoutError(server.label, q, opts.timeoutMs, ' (TCP)')), opts.timeoutMs);
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    socket.setNoDelay(true);
    socket.once('connect', () => socket.write(Buffer.concat([length, query])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const size = received.readUInt16BE(0);
      if (received.length < size + 2) return;
      try {
        finish(undefined, { response: parseResponse(received.subarray(2, size + 2), q, id), via: 'tcp' });
      } catch (err) {
        finish(err instanceof MismatchError ? protocolError(server.label, q, err.message, err) : (err as Error));
      }
    });
    socket.once('end', () => {
      const want = received.length >= 2 ? `${received.readUInt16BE(0) + 2}` : 'at least 2';
      finish(protocolError(server.label, q, `TCP connection closed after ${received.length} of ${want} bytes (truncated message)`));
    });
    socket.once('error', (err) => finish(transportError(server.label, q, systemCode(err) ?? err.message, err)));
  });
}
