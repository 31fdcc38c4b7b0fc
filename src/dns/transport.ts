import { PtunnelError } from '../errors';
import { formatDuration } from '../util/duration';
import type { DnsResponse, Question } from './message';

export interface QueryOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface Exchange {
  response: DnsResponse;
  /** How the answer arrived: UDP answers that were truncated come back over TCP. */
  via: 'udp' | 'tcp' | 'doh';
}

export function timeoutError(label: string, q: Question, ms: number, detail = ''): PtunnelError {
  return new PtunnelError('ERR_DNS_TIMEOUT', `DNS server ${label} did not answer ${q.name} ${q.type} within ${formatDuration(ms)}${detail}`, {
    details: { resolver: label },
  });
}

export function protocolError(label: string, q: Question, what: string, cause?: unknown): PtunnelError {
  return new PtunnelError('ERR_DNS_PROTOCOL', `DNS server ${label} sent an invalid answer for ${q.name} ${q.type}: ${what}`, {
    cause,
    details: { resolver: label },
  });
}

export function transportError(label: string, q: Question, what: string, cause?: unknown): PtunnelError {
  return new PtunnelError('ERR_DNS_TRANSPORT', `cannot reach DNS server ${label} for ${q.name} ${q.type}: ${what}`, {
    cause,
    details: { resolver: label },
  });
}

export function abortedError(): PtunnelError {
  return new PtunnelError('ERR_CANCELLED', 'DNS query cancelled: the client went away');
}
