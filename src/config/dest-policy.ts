import { usageError } from '../errors';
import { isPortText, parseHostPort, validateHost } from '../net/address';
import { canonicalIp, ipFamily } from '../util/ip';

/** Which destinations one --allow-dest / --deny-dest entry covers, by host. */
export type DestHost =
  | { readonly kind: 'any' }
  /** Exactly this name (lower case, punycode, no trailing dot). */
  | { readonly kind: 'name'; readonly name: string }
  /** This domain and every name below it (`.google.com`: google.com, mail.google.com). */
  | { readonly kind: 'domain'; readonly domain: string }
  /** An address range (a single address is /32 or /128). */
  | { readonly kind: 'cidr'; readonly address: string; readonly prefix: number; readonly family: 4 | 6 };

export interface DestRule {
  /** The entry as the user wrote it, for the log line that names the rule. */
  readonly text: string;
  readonly host: DestHost;
  /** Inclusive port range; absent: every port. */
  readonly ports?: { readonly from: number; readonly to: number };
}

const ENTRY_FORMS = 'each entry is HOST[:PORT[-PORT]] with HOST a name, .domain, IP, CIDR or *, IPv6 in brackets before a port ([fd00::/8]:443)';

function bad(entry: string, problem: string): never {
  throw usageError('ERR_CONFIG', `entry ${JSON.stringify(entry)}: ${problem}`);
}

function portOf(entry: string, text: string): number {
  const n = Number(text);
  if (!isPortText(text) || n < 1 || n > 65535) bad(entry, `${JSON.stringify(text)} is not a port number (1-65535)`);
  return n;
}

function parsePorts(entry: string, text: string): { from: number; to: number } {
  const dash = text.indexOf('-');
  if (dash < 0) {
    const port = portOf(entry, text);
    return { from: port, to: port };
  }
  const from = portOf(entry, text.slice(0, dash));
  const to = portOf(entry, text.slice(dash + 1));
  if (from > to) bad(entry, `the port range ${from}-${to} runs backwards; write ${to}-${from}`);
  return { from, to };
}

function parseCidr(entry: string, text: string): DestHost {
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  const family = ipFamily(ip);
  if (family === 0) bad(entry, `${JSON.stringify(ip)} is not an IP address, as a CIDR range needs`);
  const most = family === 4 ? 32 : 128;
  const bits = slash < 0 ? String(most) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > most) bad(entry, `the prefix length /${bits} is not 0-${most}, as an IPv${family} range needs`);
  return { kind: 'cidr', address: canonicalIp(ip), prefix: Number(bits), family: family === 4 ? 4 : 6 };
}

function parseHost(entry: string, text: string): DestHost {
  if (text === '*') return { kind: 'any' };
  if (text.includes('/') || ipFamily(text) !== 0) return parseCidr(entry, text);
  const domain = text.startsWith('.');
  const name = domain ? text.slice(1) : text;
  if (name.includes('*')) bad(entry, 'a * stands only alone, for every host; write .example.com for a domain and every name below it');
  let host: string;
  try {
    // Lower case, punycode, no trailing dot: the form every destination is compared in.
    host = validateHost(name, 'name');
  } catch (err) {
    return bad(entry, (err as Error).message);
  }
  return domain ? { kind: 'domain', domain: host } : { kind: 'name', name: host };
}

/** Splits HOST[:PORTS]: brackets around IPv6 before a port; a bare IPv6 address or range has no port. */
function splitEntry(entry: string): { host: string; ports?: string } {
  if (!entry.startsWith('[') && (entry.match(/:/g) ?? []).length > 1) {
    if (ipFamily(entry.split('/')[0] ?? '') !== 6) bad(entry, ENTRY_FORMS);
    return { host: entry };
  }
  const split = parseHostPort(entry);
  if (!split || (split.bracketed && ipFamily(split.host.split('/')[0] ?? '') !== 6)) bad(entry, ENTRY_FORMS);
  if (split.port === '') bad(entry, 'nothing after the colon; give a port (993) or a range (993-995)');
  return split.port === undefined ? { host: split.host } : { host: split.host, ports: split.port };
}

/**
 * Parses an --allow-dest / --deny-dest list (comma or space separated), once at config load:
 * `imap.gmail.com,.google.com:443,10.0.0.0/8,*:993-995`. Throws ERR_CONFIG naming the bad
 * entry and what would be right; the caller adds the setting's name.
 */
export function parseDestRules(text: string | null | undefined): DestRule[] {
  const entries = (text ?? '').split(/[\s,]+/).filter((e) => e.length > 0);
  return entries.map((entry) => {
    const { host, ports } = splitEntry(entry);
    const rule: DestRule = { text: entry, host: parseHost(entry, host) };
    return ports === undefined ? rule : { ...rule, ports: parsePorts(entry, ports) };
  });
}

/** The parsed --allow-dest and --deny-dest lists; empty: allow any, deny only the built-ins. */
export interface DestinationRules {
  readonly allow: readonly DestRule[];
  readonly deny: readonly DestRule[];
}
