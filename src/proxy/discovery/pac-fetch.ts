import type { LookupFunction } from 'node:net';
import type { AddressLookup } from '../../dns/lookup';
import { PtunnelError, usageError } from '../../errors';
import { MAX_FILE_BYTES, readNamedFile } from '../../util/files';
import { systemSearchDomains, wpadUrls } from './wpad';

/** The most of a PAC file ptunnel reads; real ones are a few KiB, 1 MiB is generous. */
export const MAX_PAC_BYTES = MAX_FILE_BYTES;

export interface PacFetchOptions {
  /** ptunnel's own resolver, for the PAC server's name too (never the hosts file). */
  lookup: AddressLookup;
  /** Bound on connect plus the whole answer. */
  timeoutMs: number;
  /** The resolv.conf search list, for `wpad`; by default /etc/resolv.conf's. */
  searchDomains?: () => string[];
}

export interface FetchedPac {
  text: string;
  /** The URL or file it came from (for `wpad`, the URL that answered). */
  from: string;
}

/** ptunnel's resolver in the shape net.connect's `lookup` option wants. */
function connectLookup(lookup: AddressLookup): LookupFunction {
  return (host, options, callback) => {
    lookup(host).then(
      (found) => {
        if (options.all) callback(null, found);
        else callback(null, found[0]?.address ?? '', found[0]?.family ?? 4);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 4),
    );
  };
}

const unreachable = (url: string, why: string, cause?: unknown) =>
  new PtunnelError('ERR_PAC_FETCH', `PAC ${url} cannot be fetched: ${why}`, { userError: true, cause });

/** One URL: 2xx with at most MAX_PAC_BYTES, within the timeout; anything else is ERR_PAC_FETCH, a body too big ERR_PAC. */
export async function fetchPacUrl(url: string, options: PacFetchOptions): Promise<FetchedPac> {
  // Loaded on the first fetch: undici adds a sixth of a second of start-up and memory to every
  // run, and most runs have no PAC URL.
  const { Agent, fetch } = await import('undici');
  const dispatcher = new Agent({ connect: { lookup: connectLookup(options.lookup), timeout: options.timeoutMs } });
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    let res;
    try {
      res = await fetch(url, { dispatcher, signal, redirect: 'follow', headers: { accept: 'application/x-ns-proxy-autoconfig, */*' } });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = signal.aborted ? `no answer within ${options.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
      throw unreachable(url, why, err);
    }
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => undefined);
      throw unreachable(url, `HTTP ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    const tooBig = () => usageError('ERR_PAC', `PAC ${url} is larger than ${MAX_PAC_BYTES / 1024 / 1024} MiB, the most ptunnel reads; the tunnel does not go direct on a bad PAC, fix the file`);
    if (declared > MAX_PAC_BYTES) {
      await res.body?.cancel().catch(() => undefined);
      throw tooBig();
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += (chunk as Uint8Array).byteLength;
        if (size > MAX_PAC_BYTES) throw tooBig();
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
    } catch (err) {
      if (err instanceof PtunnelError) throw err;
      throw unreachable(url, signal.aborted ? `no complete answer within ${options.timeoutMs} ms` : (err as Error).message, err);
    }
    return { text: Buffer.concat(chunks).toString('utf8'), from: url };
  } finally {
    void dispatcher.close().catch(() => undefined);
  }
}

/**
 * The PAC file from `location`: an http(s) URL, `wpad` (each WPAD URL of the search list in turn,
 * the first that answers), or a file path (read bounded; a file that cannot be read is ERR_PAC).
 */
export async function fetchPac(location: string, options: PacFetchOptions): Promise<FetchedPac> {
  if (/^https?:\/\//i.test(location)) return fetchPacUrl(location, options);
  if (location.toLowerCase() === 'wpad') {
    const urls = wpadUrls((options.searchDomains ?? systemSearchDomains)());
    if (urls.length === 0) throw new PtunnelError('ERR_PAC_FETCH', 'WPAD: no search domain in resolv.conf to look for wpad.DOMAIN under', { userError: true });
    const failures: string[] = [];
    for (const url of urls) {
      try {
        return await fetchPacUrl(url, options);
      } catch (err) {
        if (!(err instanceof PtunnelError) || err.code !== 'ERR_PAC_FETCH') throw err;
        failures.push(err.message.replace(/^PAC /, ''));
      }
    }
    throw new PtunnelError('ERR_PAC_FETCH', `WPAD found no PAC: ${failures.join('; ')}`, { userError: true });
  }
  const text = readNamedFile(location, 'PAC file', 'ERR_PAC').toString('utf8');
  return { text, from: location };
}
