import dgram from 'node:dgram';
import { systemCode } from '../errors';
import { settleOnce } from '../net/settle';
import { buildQuery, MismatchError, newId, parseResponse, Question } from './message';
import { abortedError, Exchange, protocolError, QueryOptions, timeoutError, transportError } from './transport';
import { queryTcp, StreamServer } from './transport-tcp';
import { ipFamily } from '../util/ip';

/**
 * One query over UDP from a fresh socket (a random source port per query). Datagrams that are
 * not the answer (another source, wrong ID or question, undecodable) are dropped and the wait
 * goes on; if only such packets came, the timeout says so, as that is a broken or hostile
 * server rather than a silent one.
 */
export function queryUdpOnce(server: StreamServer, q: Question, opts: QueryOptions): Promise<Exchange> {
  return settleOnce<Exchange>({ timeoutMs: opts.timeoutMs, signal: opts.signal, aborted: abortedError }, (attempt) => {
    const id = newId();
    const query = buildQuery(q, id);
    const socket = dgram.createSocket(ipFamily(server.host) === 6 ? 'udp6' : 'udp4');
    const rejected: string[] = [];
    socket.on('message', (msg, rinfo) => {
      if (rinfo.address.toLowerCase() !== server.host || rinfo.port !== server.port) return;
      try {
        attempt.resolve({ response: parseResponse(msg, q, id), via: 'udp' });
      } catch (err) {
        if (!(err instanceof MismatchError)) return attempt.reject(err as Error);
        if (rejected.length < 5) rejected.push(err.message);
      }
    });
    socket.once('error', (err) => attempt.reject(transportError(server.label, q, systemCode(err) ?? err.message, err)));
    socket.send(query, server.port, server.host, (err) => {
      if (err) attempt.reject(transportError(server.label, q, systemCode(err) ?? err.message, err));
    });
    return {
      timeout: () =>
        rejected.length > 0
          ? protocolError(server.label, q, `no valid answer within the timeout; ignored ${rejected.length} packet(s): ${rejected.join('; ')}`)
          : timeoutError(server.label, q, opts.timeoutMs),
      release: () => socket.close(),
    };
  });
}

/** UDP, and the same question over TCP when the answer did not fit (TC bit). */
export async function queryUdp(server: StreamServer, q: Question, opts: QueryOptions): Promise<Exchange> {
  const exchange = await queryUdpOnce(server, q, opts);
  if (!exchange.response.truncated) return exchange;
  return queryTcp(server, q, opts);
}
