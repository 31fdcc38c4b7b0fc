import type dns from 'node:dns';
import net from 'node:net';
import { formatHostPort } from '../net/address';
import { ReusedReads } from '../net/reused-reads';
import { CancelSignal, cancelledError, settleOnce } from '../net/settle';
import { PtunnelError, systemCode } from '../errors';
import { formatDuration } from '../util/duration';
import type { AddressLookup, ResolvedAddress } from '../dns/lookup';
import { ipFamily } from '../util/ip';

export interface DirectConnectOptions {
  host: string;
  port: number;
  timeoutMs: number;
  lookup: AddressLookup;
  signal?: CancelSignal;
}

/**
 * Connects to host:port, trying the addresses in turn Happy-Eyeballs style (Node's
 * autoSelectFamily staggers attempts, alternating IPv6 and IPv4). One timeout bounds the
 * name lookup and every attempt together.
 */
export function connectDirect(opts: DirectConnectOptions): Promise<net.Socket> {
  // For the error messages only: not built on every connection that succeeds.
  const target = () => formatHostPort(opts.host, opts.port);
  return settleOnce<net.Socket>({ timeoutMs: opts.timeoutMs, signal: opts.signal, aborted: cancelledError }, (attempt) => {
    let socket: net.Socket | undefined;
    // Only a name is looked up: an IP literal (most mappings, SOCKS requests) needs no signal.
    let abort: AbortController | undefined;
    const onError = (err: Error) => {
      // autoSelectFamily reports every failed attempt in one AggregateError (from Node's realm,
      // so no instanceof): name each address, since the first (often IPv6 ENETUNREACH) is rarely
      // the one that matters, grouped by what each said.
      const many = (err as { errors?: unknown }).errors;
      const attempts = (Array.isArray(many) && many.length > 0 ? many : [err]) as Array<Error & { address?: string; port?: number }>;
      const byCode = new Map<string, string[]>();
      const tried: string[] = [];
      for (const a of attempts) {
        const code = systemCode(a) ?? a.message;
        const where = a.address === undefined ? undefined : formatHostPort(a.address, a.port ?? opts.port);
        if (where !== undefined) tried.push(where);
        // An IP literal target names its one address already.
        const list = byCode.get(code) ?? [];
        if (where !== undefined && !ipFamily(opts.host)) list.push(where);
        byCode.set(code, list);
      }
      const why = [...byCode].map(([code, where]) => (where.length > 0 ? `${where.join(', ')}: ${code}` : code)).join('; ');
      attempt.reject(new PtunnelError('ERR_DIRECT_CONNECT', `direct connection to ${target()} failed: ${why}`, { cause: err, details: { tried } }));
    };

    const start = (addresses: ResolvedAddress[]) => {
      if (attempt.settled) return;
      const lookup: net.LookupFunction = (_host, options, callback) => {
        const all = addresses.map((a) => ({ address: a.address, family: a.family }));
        if ((options as dns.LookupOptions).all) (callback as (e: null, a: dns.LookupAddress[]) => void)(null, all);
        else callback(null, all[0]?.address ?? '', all[0]?.family ?? 4);
      };
      const s = ReusedReads.connect({
        // The server may end its side first and still read what the client sends after.
        allowHalfOpen: true,
        host: addresses.length === 1 ? (addresses[0] as ResolvedAddress).address : opts.host,
        port: opts.port,
        lookup,
        autoSelectFamily: addresses.length > 1,
        autoSelectFamilyAttemptTimeout: 250,
      });
      socket = s;
      s.once('connect', () => attempt.resolve(s));
      s.on('error', onError);
    };

    const literal = ipFamily(opts.host);
    if (literal) {
      start([{ address: opts.host, family: literal }]);
    } else {
      abort = new AbortController();
      opts.lookup(opts.host, abort.signal).then(
        (addresses) => {
          if (addresses.length === 0) {
            attempt.reject(new PtunnelError('ERR_DNS_NODATA', `no addresses found for ${opts.host}`));
          } else {
            start(addresses);
          }
        },
        (err: unknown) => attempt.reject(err instanceof Error ? err : new Error(String(err))),
      );
    }
    return {
      timeout: () => new PtunnelError('ERR_DIRECT_TIMEOUT', `direct connection to ${target()} timed out after ${formatDuration(opts.timeoutMs)}`),
      release: (err) => {
        if (err) {
          abort?.abort();
          socket?.destroy();
        } else {
          socket?.removeListener('error', onError);
          socket?.pause();
        }
      },
    };
  });
}
