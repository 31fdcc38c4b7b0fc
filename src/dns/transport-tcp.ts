import net from 'node:net';
import { systemCode } from '../errors';
import { settleOnce } from '../net/settle';
import { buildQuery, MismatchError, newId, parseResponse, Question } from './message';
import { abortedError, Exchange, protocolError, QueryOptions, timeoutError, transportError } from './transport';

export interface StreamServer {
  host: string;
  port: number;
  label: string;
}

/** One query per connection (RFC 7766 framing: a two-byte length before each message). */
export function queryTcp(server: StreamServer, q: Question, opts: QueryOptions): Promise<Exchange> {
  return settleOnce<Exchange>({ timeoutMs: opts.timeoutMs, signal: opts.signal, aborted: abortedError }, (attempt) => {
    const id = newId();
    const query = buildQuery(q, id);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(query.length);
    let received = Buffer.alloc(0);
    const socket = net.connect({ host: server.host, port: server.port });
    socket.setNoDelay(true);
    socket.once('connect', () => socket.write(Buffer.concat([length, query])));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const size = received.readUInt16BE(0);
      if (received.length < size + 2) return;
      try {
        attempt.resolve({ response: parseResponse(received.subarray(2, size + 2), q, id), via: 'tcp' });
      } catch (err) {
        attempt.reject(err instanceof MismatchError ? protocolError(server.label, q, err.message, err) : (err as Error));
      }
    });
    socket.once('end', () => {
      const want = received.length >= 2 ? `${received.readUInt16BE(0) + 2}` : 'at least 2';
      attempt.reject(protocolError(server.label, q, `TCP connection closed after ${received.length} of ${want} bytes (truncated message)`));
    });
    socket.once('error', (err) => attempt.reject(transportError(server.label, q, systemCode(err) ?? err.message, err)));
    return {
      timeout: () => timeoutError(server.label, q, opts.timeoutMs, ' (TCP)'),
      release: () => socket.destroy(),
    };
  });
}
