import type { Agent, Dispatcher } from 'undici';
import { systemCode } from '../errors';
import { once } from '../util/once';
import { buildQuery, MismatchError, parseResponse, Question } from './message';
import { abortedError, Exchange, protocolError, QueryOptions, timeoutError, transportError } from './transport';

export interface DohServer {
  url: URL;
  method: 'GET' | 'POST';
  label: string;
}

const MEDIA_TYPE = 'application/dns-message';
const MAX_BODY = 65_535;

/**
 * undici costs about 8 MiB of RSS once loaded, and the default --dns list names DoH servers
 * that most runs never ask (the system servers answer, or every target is an IP address or goes
 * through the proxy). It is required on the first DoH query, not at start-up.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const undici = once(() => require('undici') as typeof import('undici'));

export interface DohClientOptions {
  /** Extra CA certificates (tests; private DoH servers). */
  ca?: Buffer | string;
}

/**
 * One keep-alive agent per resolver: after the first query the TLS session is warm, which
 * makes DoH about as quick as UDP for the lookups that miss the cache.
 */
export function createDohAgent(options: DohClientOptions = {}): Agent {
  return new (undici().Agent)({
    connect: options.ca ? { ca: options.ca } : {},
    keepAliveTimeout: 30_000,
    connections: 4,
  });
}

/** RFC 8484 base64url without padding, for GET. */
function base64url(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function queryDoh(server: DohServer, q: Question, opts: QueryOptions & { dispatcher: Dispatcher }): Promise<Exchange> {
  // ID 0 as RFC 8484 asks, so identical GETs are cacheable; TLS already binds answer to query.
  const id = 0;
  const query = buildQuery(q, id);
  const url = new URL(server.url.href);
  if (server.method === 'GET') url.searchParams.set('dns', base64url(query));
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Dispatcher.ResponseData;
  try {
    res = await undici().request(url, {
      method: server.method,
      headers: server.method === 'POST' ? { accept: MEDIA_TYPE, 'content-type': MEDIA_TYPE } : { accept: MEDIA_TYPE },
      ...(server.method === 'POST' ? { body: query } : {}),
      dispatcher: opts.dispatcher,
      signal,
    });
  } catch (err) {
    if (opts.signal?.aborted) throw abortedError();
    if (timeout.aborted) throw timeoutError(server.label, q, opts.timeoutMs);
    throw transportError(server.label, q, systemCode(err) ?? (err as Error).message, err);
  }
  try {
    if (res.statusCode !== 200) {
      throw protocolError(server.label, q, `HTTP status ${res.statusCode}`);
    }
    const type = String(res.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== MEDIA_TYPE) throw protocolError(server.label, q, `content-type "${type}", expected ${MEDIA_TYPE}`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY) throw protocolError(server.label, q, `answer larger than ${MAX_BODY} bytes`);
      chunks.push(chunk as Buffer);
    }
    try {
      return { response: parseResponse(Buffer.concat(chunks), q, id), via: 'doh' };
    } catch (err) {
      if (err instanceof MismatchError) throw protocolError(server.label, q, err.message, err);
      throw err;
    }
  } catch (err) {
    res.body.destroy();
    if (opts.signal?.aborted) throw abortedError();
    if (timeout.aborted) throw timeoutError(server.label, q, opts.timeoutMs);
    throw err;
  }
}
