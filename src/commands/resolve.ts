import type { RuntimeConfig } from '../config/load';
import { TTL_BOUNDS } from '../dns/cache';
import { Resolver, ServerReport } from '../dns/resolver';
import { normalizeName } from '../dns/message';
import { usageError } from '../errors';
import { isLoopback, isWildcard } from '../net/address';
import { createLogger } from '../log/logger';
import { ResolvedAddress, systemLookup } from '../dns/lookup';
import { formatDuration } from '../util/duration';
import { readLines } from '../util/files';
import { sanitizeLine } from '../log/sanitize';
import type { CommandIo } from './io';
import { ipFamily } from '../util/ip';

/** Seams for tests: what getaddrinfo says, and which hosts file to quote. */
export interface ResolveDeps {
  systemLookup?: (name: string) => Promise<ResolvedAddress[]>;
  hostsFile?: string;
  /** Extra CA for DoH servers (tests). */
  dohCa?: Buffer;
}

/** The addresses /etc/hosts gives `name`, if it names it. */
function hostsEntries(file: string, name: string): string[] {
  const out: string[] = [];
  for (const line of readLines(file)) {
    const [address, ...names] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (address && names.some((n) => normalizeName(n) === name)) out.push(address.toLowerCase());
  }
  return out;
}

function ms(n: number): string {
  return `${n < 10 ? n.toFixed(1) : Math.round(n)} ms`;
}

/** RFC 2181 §8: a TTL is 31 bits; a resolver must not take a larger one at its word. */
const MAX_TTL = 2 ** 31 - 1;

/** The TTL an answer had, and what the tunnels' cache makes of it when that differs (5s..1h). */
function ttlText(ttl: number): string {
  const cached = Math.min(Math.max(ttl * 1000, TTL_BOUNDS.minMs), TTL_BOUNDS.maxMs);
  const note = `ptunnel caches it ${formatDuration(cached)}`;
  if (ttl > MAX_TTL) return `ttl ${ttl}s is out of range (RFC 2181: at most ${MAX_TTL}); ${note}`;
  return cached === ttl * 1000 ? `ttl ${ttl}s` : `ttl ${ttl}s, ${note}`;
}

function describe(report: ServerReport): string {
  const a = report.answer;
  // Error text quotes what a server sent.
  if (report.error && report.error.code !== 'ERR_DNS_LOOP') return `${report.error.code}: ${sanitizeLine(report.error.message)}  (${ms(report.ms)})`;
  if (!a) return `no answer  (${ms(report.ms)})`;
  const chain = a.chain.length > 0 ? ` via CNAME ${a.chain.join(' -> ')}` : '';
  const line = `${a.addresses.map((x) => x.address).join(', ')}${chain}  ${ttlText(a.ttl)}  ${ms(report.ms)}  (${[...new Set(a.via)].join('+')})`;
  return report.error ? `${line}\n      refused by the loop guard: ${sanitizeLine(report.error.message)}` : line;
}

export interface ResolveInput {
  /** The host name to look up, already checked. */
  name: string;
  config: RuntimeConfig;
  /** -v: log each query. */
  verbosity: number;
}

/**
 * `ptunnel resolve NAME`: what each configured resolver answers, which one ptunnel would use,
 * and why the system's own answer may differ (usually the hosts-file entry for the mail client).
 */
export async function runResolve(input: ResolveInput, io: CommandIo, deps: ResolveDeps = {}): Promise<number> {
  const { name, config } = input;
  // As the tunnels do: an IP literal is dialled as given and localhost is loopback, no query.
  if (ipFamily(name)) {
    io.stdout(`${name} is an IP address: ptunnel connects to it as given, without DNS\n`);
    return 0;
  }
  if (name === 'localhost') {
    io.stdout('localhost is loopback: ptunnel connects to ::1, 127.0.0.1 without DNS (the hosts file is not read)\n');
    return 0;
  }
  const logger = createLogger({ level: input.verbosity > 0 ? 'debug' : 'error', format: 'text', write: io.stderr });
  const resolver = new Resolver({ ...config.dns, cache: false, logger, ...(deps.dohCa ? { doh: { ca: deps.dohCa } } : {}) });
  try {
    if (resolver.servers.length === 0) {
      throw usageError('ERR_CONFIG', 'no DNS servers to ask: "system" found no nameserver in /etc/resolv.conf; give --dns');
    }
    const reports = await resolver.queryEach(name);
    io.stdout(`${name}\n`);
    const width = Math.max(...reports.map((r) => r.resolver.length));
    for (const r of reports) io.stdout(`  ${r.resolver.padEnd(width)}  ${describe(r)}\n`);
    const chosen = reports.find((r) => r.answer && !r.error);
    const definitive = reports.find((r) => r.error?.code === 'ERR_DNS_NXDOMAIN' || r.error?.code === 'ERR_DNS_NODATA');
    const firstUsable = reports.findIndex((r) => r.answer && !r.error);
    const firstDefinitive = definitive ? reports.indexOf(definitive) : -1;
    if (chosen && (firstDefinitive < 0 || firstUsable < firstDefinitive)) {
      io.stdout(`ptunnel connects to: ${chosen.answer!.addresses.map((a) => a.address).join(', ')} (from ${chosen.resolver})\n`);
    } else if (definitive) {
      io.stdout(`ptunnel would fail: ${definitive.error!.message}\n`);
    } else {
      io.stdout('ptunnel would fail: no resolver gave a usable answer\n');
    }
    await explainSystem(name, chosen?.answer?.addresses ?? [], io, deps);
    return chosen && (firstDefinitive < 0 || firstUsable < firstDefinitive) ? 0 : 1;
  } finally {
    await resolver.close();
  }
}

async function explainSystem(name: string, ours: ResolvedAddress[], io: CommandIo, deps: ResolveDeps): Promise<void> {
  let system: ResolvedAddress[];
  try {
    system = await (deps.systemLookup ?? systemLookup)(name);
  } catch (err) {
    if (ours.length > 0) io.stdout(`system resolver (getaddrinfo): ${(err as { code?: string }).code ?? (err as Error).message}; ptunnel does not use it\n`);
    return;
  }
  const theirs = system.map((a) => a.address.toLowerCase());
  const mine = new Set(ours.map((a) => a.address));
  if (theirs.some((a) => mine.has(a))) return;
  const hostsFile = deps.hostsFile ?? '/etc/hosts';
  const inHosts = hostsEntries(hostsFile, name);
  const loopback = theirs.every((a) => isLoopback(a) || isWildcard(a));
  let why: string;
  if (inHosts.length > 0 && loopback) {
    why = `the hosts file (${hostsFile}) maps ${name} to ${inHosts.join(', ')}: expected when the mail client is pointed at ptunnel; ptunnel bypasses it`;
  } else if (inHosts.length > 0) {
    why = `the hosts file (${hostsFile}) maps ${name} to ${inHosts.join(', ')}; ptunnel does not read the hosts file and uses DNS instead`;
  } else if (loopback) {
    why = 'a local resolver or hosts entry answers with loopback (as for the mail client); ptunnel bypasses the system resolver';
  } else {
    why = 'the system resolver gets different addresses (round-robin, a CDN, or split DNS); ptunnel uses the addresses above';
  }
  io.stdout(`system resolver (getaddrinfo) says ${theirs.join(', ')}: ${why}\n`);
}
