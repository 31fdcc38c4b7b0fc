import type { Agent } from 'undici';
import { DnsErrorCode, ErrorCode, isPtunnelError, PtunnelError } from '../errors';
import { Logger, silentLogger } from '../log/logger';
import type { AddressLookup, ResolvedAddress } from './lookup';
import { DnsCache } from './cache';
import { LoopGuard } from './loop-guard';
import { AddressType, followChain, normalizeName, Question } from './message';
import { DnsServer, DnsServerSpec, expandServers, ResolvConfPaths } from './servers';
import { abortedError, Exchange, QueryOptions } from './transport';
import { createDohAgent, DohClientOptions, queryDoh } from './transport-doh';
import { queryTcp } from './transport-tcp';
import { queryUdp } from './transport-udp';
import { ipFamily } from '../util/ip';

export type QueryOutcome = 'ok' | 'nxdomain' | 'nodata' | 'servfail' | 'refused' | 'timeout' | 'protocol' | 'transport' | 'loop' | 'cancelled';

/** Seams for metrics (the operations issue): cheap to call, never throw into the resolver. */
export interface ResolverHooks {
  onQuery?(resolver: string, outcome: QueryOutcome, ms: number): void;
  onCacheHit?(name: string): void;
}

export interface ResolverOptions {
  servers: readonly DnsServerSpec[];
  /** Per query and attempt. */
  timeoutMs: number;
  /** Extra attempts after a timeout, per server. */
  retries: number;
  cache: boolean;
  /** Addresses or CIDRs the loop guard lets through. */
  allow?: readonly string[];
  logger?: Logger;
  hooks?: ResolverHooks;
  now?: () => number;
  resolvConf?: ResolvConfPaths;
  doh?: DohClientOptions;
  /** CNAME re-queries per lookup; real chains are 1-3 long. */
  maxCnameDepth?: number;
  /** Once one family has addresses, how long the other may still take. */
  familyGraceMs?: number;
}

export interface ServerAnswer {
  resolver: string;
  name: string;
  /** IPv6 first (RFC 8305); connectDirect alternates families from there. */
  addresses: ResolvedAddress[];
  /** Smallest TTL seen, seconds. */
  ttl: number;
  /** CNAMEs walked, in order. */
  chain: string[];
  via: Array<Exchange['via']>;
}

export interface ServerReport {
  resolver: string;
  ms: number;
  answer?: ServerAnswer;
  error?: PtunnelError;
}

const OUTCOME: Partial<Record<ErrorCode, QueryOutcome>> = {
  ERR_DNS_NXDOMAIN: 'nxdomain',
  ERR_DNS_NODATA: 'nodata',
  ERR_DNS_SERVFAIL: 'servfail',
  ERR_DNS_REFUSED: 'refused',
  ERR_DNS_TIMEOUT: 'timeout',
  ERR_DNS_PROTOCOL: 'protocol',
  ERR_DNS_TRANSPORT: 'transport',
  ERR_DNS_LOOP: 'loop',
  ERR_CANCELLED: 'cancelled',
};

/** Answers that end the search: the name (or its address type) does not exist. */
const DEFINITIVE = new Set<ErrorCode>(['ERR_DNS_NXDOMAIN', 'ERR_DNS_NODATA']);

type FamilyResult = { ok: true; addresses: ResolvedAddress[]; ttl: number; chain: string[]; via: Exchange['via'][] } | { ok: false; error: PtunnelError };

function asDnsError(err: unknown): PtunnelError<DnsErrorCode> {
  // Everything the transports and the guard throw is one of the DNS codes (or ERR_CANCELLED).
  return err instanceof PtunnelError ? (err as PtunnelError<DnsErrorCode>) : new PtunnelError('ERR_DNS_TRANSPORT', (err as Error).message ?? String(err), { cause: err });
}

/**
 * ptunnel's own resolver: asks the configured servers in order, never getaddrinfo, so the
 * hosts-file entry that sends the mail client to ptunnel does not send ptunnel to itself.
 */
export class Resolver {
  readonly guard: LoopGuard;
  readonly servers: readonly DnsServer[];
  private readonly cache: DnsCache<ResolvedAddress[]>;
  private readonly logger: Logger;
  private agent: Agent | undefined;

  constructor(private readonly options: ResolverOptions) {
    this.guard = new LoopGuard(options.allow);
    this.servers = expandServers(options.servers, options.resolvConf);
    this.cache = new DnsCache({ enabled: options.cache, ...(options.now ? { now: options.now } : {}) });
    this.logger = options.logger ?? silentLogger;
  }

  /** The AddressLookup for the direct route: cached, coalesced, loop-guarded. */
  readonly lookup: AddressLookup = async (host, signal) => {
    const name = normalizeName(host);
    const family = ipFamily(name);
    if (family) return [{ address: name, family: family === 6 ? 6 : 4 }];
    // RFC 6761: always the loopback; naming it is as literal as writing 127.0.0.1.
    if (name === 'localhost') return [{ address: '::1', family: 6 }, { address: '127.0.0.1', family: 4 }];
    const cached = this.cache.get(name);
    if (cached) {
      this.safe(() => this.options.hooks?.onCacheHit?.(name));
      if ('error' in cached) throw cached.error;
      return cached.value.slice();
    }
    const shared = this.cache.coalesce(name, () => this.resolveFresh(name));
    return (await raceSignal(shared, signal)).slice();
  };

  /** Each server's own answer to `name`, loop guard applied, for `ptunnel resolve`. */
  async queryEach(host: string): Promise<ServerReport[]> {
    const name = normalizeName(host);
    const reports: ServerReport[] = [];
    for (const server of this.servers) {
      const started = performance.now();
      try {
        const answer = await this.queryServer(server, name);
        const report: ServerReport = { resolver: server.label, ms: performance.now() - started, answer };
        const loop = this.loopError(answer);
        if (loop) report.error = loop;
        reports.push(report);
      } catch (err) {
        reports.push({ resolver: server.label, ms: performance.now() - started, error: asDnsError(err) });
      }
    }
    return reports;
  }

  close(): Promise<void> {
    const agent = this.agent;
    this.agent = undefined;
    return agent ? agent.close() : Promise.resolve();
  }

  private async resolveFresh(name: string): Promise<ResolvedAddress[]> {
    if (this.servers.length === 0) {
      throw new PtunnelError('ERR_DNS_TRANSPORT', `cannot resolve ${name}: no DNS servers (the list names only "system" and /etc/resolv.conf lists none); set --dns`);
    }
    const failures: Array<PtunnelError<DnsErrorCode>> = [];
    for (const server of this.servers) {
      let answer: ServerAnswer;
      try {
        answer = await this.queryServer(server, name);
      } catch (err) {
        const e = asDnsError(err);
        if (DEFINITIVE.has(e.code)) {
          this.cache.setNegative(name, e, e.details?.negativeTtl);
          throw e;
        }
        this.logger.debug('DNS server failed, asking the next', { resolver: server.label, name, err: e });
        failures.push(e);
        continue;
      }
      const loop = this.loopError(answer);
      if (loop) {
        this.safe(() => this.options.hooks?.onQuery?.(server.label, 'loop', 0));
        this.logger.debug('DNS answer refused by the loop guard', { resolver: server.label, name, err: loop });
        failures.push(loop);
        continue;
      }
      const ttlMs = this.cache.set(name, answer.addresses, answer.ttl);
      this.logger.debug('resolved', {
        name,
        resolver: server.label,
        via: answer.via.join('+'),
        addresses: answer.addresses.map((a) => a.address),
        chain: answer.chain.length > 0 ? answer.chain : undefined,
        ttl: answer.ttl,
        cachedMs: this.cache.enabled ? ttlMs : undefined,
      });
      return answer.addresses;
    }
    throw combine(name, failures);
  }

  private loopError(answer: ServerAnswer): PtunnelError<'ERR_DNS_LOOP'> | undefined {
    for (const a of answer.addresses) {
      const why = this.guard.reason(a.address);
      if (!why) continue;
      return new PtunnelError(
        'ERR_DNS_LOOP',
        `DNS server ${answer.resolver} answered ${answer.name} with ${a.address}, ${why}; connecting there would loop back into ptunnel ` +
          `(a resolver that reads the hosts file, like systemd-resolved on 127.0.0.53, returns the entry meant for the mail client). ` +
          `Give --dns servers that do not read the hosts file (e.g. your network's DNS server or https://1.1.1.1/dns-query), ` +
          `or --dns-allow ${a.address} if that address really is the server`,
        { details: { resolver: answer.resolver, address: a.address } },
      );
    }
    return undefined;
  }

  /** Both address families from one server, CNAMEs followed; throws the server's error. */
  async queryServer(server: DnsServer, name: string, signal?: AbortSignal): Promise<ServerAnswer> {
    const started = performance.now();
    const stop = new AbortController();
    const both = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
    try {
      const six = this.family(server, name, 'AAAA', both);
      const four = this.family(server, name, 'A', both);
      const first = await Promise.race([six.then((r) => ['6', r] as const), four.then((r) => ['4', r] as const)]);
      const other = first[0] === '6' ? four : six;
      let second: FamilyResult | undefined;
      if (first[1].ok && first[1].addresses.length > 0) {
        const grace = this.options.familyGraceMs ?? 300;
        let timer: NodeJS.Timeout | undefined;
        second = await Promise.race([other, new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), grace)))]);
        clearTimeout(timer);
      } else {
        second = await other;
      }
      const [r6, r4] = first[0] === '6' ? [first[1], second] : [second, first[1]];
      const answer = merge(server.label, name, r6, r4);
      this.safe(() => this.options.hooks?.onQuery?.(server.label, 'ok', performance.now() - started));
      return answer;
    } catch (err) {
      const e = asDnsError(err);
      this.safe(() => this.options.hooks?.onQuery?.(server.label, OUTCOME[e.code] ?? 'protocol', performance.now() - started));
      throw e;
    } finally {
      stop.abort();
    }
  }

  private async family(server: DnsServer, name: string, type: AddressType, signal: AbortSignal): Promise<FamilyResult> {
    try {
      return { ok: true, ...(await this.walk(server, name, type, signal)) };
    } catch (err) {
      return { ok: false, error: asDnsError(err) };
    }
  }

  /** Asks for `type`, and asks again for the end of a CNAME chain the server left unresolved. */
  private async walk(server: DnsServer, name: string, type: AddressType, signal: AbortSignal) {
    const depth = this.options.maxCnameDepth ?? 8;
    const chain: string[] = [];
    const via: Exchange['via'][] = [];
    let ttl = Number.POSITIVE_INFINITY;
    let qname = name;
    for (let i = 0; i <= depth; i++) {
      const q: Question = { name: qname, type };
      const exchange = await this.exchange(server, q, signal);
      via.push(exchange.via);
      const { response } = exchange;
      if (response.rcode !== 'NOERROR') throw rcodeError(server.label, q, response.rcode, response.negativeTtl);
      const walked = followChain(qname, type, response.records);
      chain.push(...walked.chain);
      if (walked.chain.length > 0 || walked.addresses.length > 0) ttl = Math.min(ttl, walked.ttl);
      if (walked.addresses.length > 0) {
        const family = type === 'AAAA' ? 6 : 4;
        const addresses = walked.addresses.filter((a) => ipFamily(a.address) === family).map((a) => ({ address: a.address.toLowerCase(), family }) as ResolvedAddress);
        return { addresses, ttl, chain, via };
      }
      if (walked.chain.length === 0) {
        throw new PtunnelError('ERR_DNS_NODATA', `DNS server ${server.label} has no ${type} record for ${qname}`, {
          details: { resolver: server.label, negativeTtl: response.negativeTtl },
        });
      }
      if (chain.length > depth) break;
      qname = walked.target;
    }
    throw new PtunnelError('ERR_DNS_PROTOCOL', `DNS server ${server.label}: CNAME chain for ${name} is longer than ${depth} (${chain.join(' -> ')})`, {
      details: { resolver: server.label },
    });
  }

  /** One question to one server, repeated after timeouts. */
  private async exchange(server: DnsServer, q: Question, signal: AbortSignal): Promise<Exchange> {
    const opts: QueryOptions = { timeoutMs: this.options.timeoutMs, signal };
    for (let attempt = 0; ; attempt++) {
      try {
        if (server.kind === 'doh') {
          this.agent ??= createDohAgent(this.options.doh);
          return await queryDoh(server, q, { ...opts, dispatcher: this.agent });
        }
        return await (server.kind === 'udp' ? queryUdp(server, q, opts) : queryTcp(server, q, opts));
      } catch (err) {
        if (!isPtunnelError(err, 'ERR_DNS_TIMEOUT') || attempt >= this.options.retries || signal.aborted) throw err;
      }
    }
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.logger.debug('DNS hook failed', { err });
    }
  }
}

function rcodeError(label: string, q: Question, rcode: string, negativeTtl: number | undefined): PtunnelError {
  const details = { resolver: label, rcode, negativeTtl };
  switch (rcode) {
    case 'NXDOMAIN':
      return new PtunnelError('ERR_DNS_NXDOMAIN', `${q.name} does not exist (NXDOMAIN from DNS server ${label})`, { details });
    case 'SERVFAIL':
      return new PtunnelError('ERR_DNS_SERVFAIL', `DNS server ${label} failed to resolve ${q.name} ${q.type} (SERVFAIL)`, { details });
    case 'REFUSED':
      return new PtunnelError('ERR_DNS_REFUSED', `DNS server ${label} refused to resolve ${q.name} ${q.type} (REFUSED; it may not serve clients from here)`, { details });
    default:
      return new PtunnelError('ERR_DNS_PROTOCOL', `DNS server ${label} answered ${q.name} ${q.type} with ${rcode}`, { details });
  }
}

function merge(label: string, name: string, r6: FamilyResult | undefined, r4: FamilyResult | undefined): ServerAnswer {
  const answer: ServerAnswer = { resolver: label, name, addresses: [], ttl: Number.POSITIVE_INFINITY, chain: [], via: [] };
  for (const r of [r6, r4]) {
    if (!r?.ok) continue;
    answer.addresses.push(...r.addresses);
    answer.ttl = Math.min(answer.ttl, r.ttl);
    if (r.chain.length > answer.chain.length) answer.chain = r.chain;
    answer.via.push(...r.via);
  }
  if (answer.addresses.length > 0) return answer;
  const errors = [r6, r4].flatMap((r) => (r && !r.ok ? [r.error] : []));
  // A non-definitive failure wins over "no data": another server may still have the answer.
  const nx = errors.find((e) => e.code === 'ERR_DNS_NXDOMAIN');
  const other = errors.find((e) => !DEFINITIVE.has(e.code));
  const pick = other ?? nx ?? errors[0];
  if (pick) throw pick;
  throw new PtunnelError('ERR_DNS_NODATA', `DNS server ${label} has no addresses for ${name}`, { details: { resolver: label } });
}

/** One error for a lookup every server failed: the loop guard's advice first, then the rest. */
function combine(name: string, failures: Array<PtunnelError<DnsErrorCode>>): PtunnelError {
  if (failures.length === 1) return failures[0] as PtunnelError;
  const loop = failures.find((f) => f.code === 'ERR_DNS_LOOP');
  const code = loop ? 'ERR_DNS_LOOP' : (failures[failures.length - 1] as PtunnelError).code;
  const ordered = loop ? [loop, ...failures.filter((f) => f !== loop)] : failures;
  return new PtunnelError(code, `cannot resolve ${name}: ${ordered.map((f) => f.message).join('; ')}`, {
    cause: ordered[0],
    details: { resolvers: failures.map((f) => f.details?.resolver) },
  });
}

function raceSignal<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(abortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
