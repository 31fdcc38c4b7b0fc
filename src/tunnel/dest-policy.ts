import { BlockList } from 'node:net';
import type { networkInterfaces } from 'node:os';
import type { AddressLookup } from '../dns/lookup';
import { listeningAddresses } from '../dns/loop-guard';
import { PtunnelError } from '../errors';
import type { DestHost, DestinationRules, DestRule } from '../config/dest-policy';
import { formatHostPort, isLoopback, isWildcard } from '../net/address';
import { blockListFamily, canonicalIp, ipFamily } from '../util/ip';

/** Where a local proxy client asks to go: a name (as the client sent it) or an IP literal. */
export interface DestinationRequest {
  readonly host: string;
  readonly port: number;
}

/**
 * Always refused, whatever --deny-dest says (it adds to these): link-local, where cloud metadata
 * at 169.254.169.254 hands out credentials, and AWS's IPv6 metadata address.
 */
const BUILT_IN = new BlockList();
BUILT_IN.addSubnet('169.254.0.0', 16, 'ipv4');
BUILT_IN.addSubnet('fe80::', 10, 'ipv6');
BUILT_IN.addAddress('fd00:ec2::254', 'ipv6');

/**
 * The built-in denial for a canonical IP. A BlockList check builds a SocketAddress each time;
 * an IPv4 literal (the usual SOCKS request) is link-local by its text alone, since isIP takes
 * no leading zeros and canonicalIp turns IPv4-mapped IPv6 into dotted form.
 */
function builtInDenied(ip: string): boolean {
  return ipFamily(ip) === 4 ? ip.startsWith('169.254.') : BUILT_IN.check(ip, 'ipv6');
}

const LOCALHOST = { host: '127.0.0.1', ip: true } as const;

/** A rule made ready to match: its CIDR as a BlockList, built once. */
interface Compiled {
  readonly rule: DestRule;
  readonly cidr?: BlockList;
}

function compile(rule: DestRule): Compiled {
  if (rule.host.kind !== 'cidr') return { rule };
  const cidr = new BlockList();
  cidr.addSubnet(rule.host.address, rule.host.prefix, blockListFamily(rule.host.family));
  return { rule, cidr };
}

/** A host whose last label is a number: browsers and inet_aton (so a proxy's getaddrinfo) read it as IPv4. */
const NUMERIC_LAST_LABEL = /(?:^|\.)(?:\d+|0x[0-9a-f]*)$/i;

/** Host lower case, without a trailing dot; IPs in one spelling, numeric hosts as the IPv4 address they spell. */
function normalise(host: string): { host: string; ip: boolean } {
  const h = host.toLowerCase().replace(/\.$/, '');
  if (ipFamily(h)) return { host: canonicalIp(h), ip: true };
  // 127.1, 2130706433, 0x7f.1 and 169.254.43518 are no names: a proxy connects to the address
  // they spell, so the policy judges that address (the URL parser reads them as a browser does).
  if (NUMERIC_LAST_LABEL.test(h)) {
    let spelled: string | undefined;
    try {
      spelled = new URL(`http://${h}/`).hostname;
    } catch {
      spelled = undefined;
    }
    if (spelled !== undefined && ipFamily(spelled) === 4) return { host: spelled, ip: true };
  }
  return { host: h, ip: false };
}

function hostMatches(host: DestHost, cidr: BlockList | undefined, dest: { host: string; ip: boolean }): boolean {
  switch (host.kind) {
    case 'any':
      return true;
    case 'name':
      return !dest.ip && dest.host === host.name;
    case 'domain':
      return !dest.ip && (dest.host === host.domain || dest.host.endsWith(`.${host.domain}`));
    case 'cidr':
      // A range matches addresses only: a name is not resolved to decide (see addressRefusal).
      return dest.ip && (cidr as BlockList).check(dest.host, blockListFamily(ipFamily(dest.host)));
  }
}

function first(rules: readonly Compiled[], dest: { host: string; ip: boolean }, port: number): DestRule | undefined {
  return rules.find(({ rule, cidr }) => (rule.ports === undefined || (port >= rule.ports.from && port <= rule.ports.to)) && hostMatches(rule.host, cidr, dest))?.rule;
}

/**
 * Where the local proxy listeners (SOCKS, HTTP) may connect their clients. Refused first: the
 * built-in denials, ptunnel's own listener ports at any address that reaches them, and --deny-dest; then,
 * when --allow-dest is given, whatever none of its entries matches. Names match name and
 * .domain entries, IP literals match CIDR entries; a name's resolved addresses are checked on the
 * direct route by addressRefusal, against the denials only.
 */
export class DestinationPolicy {
  private readonly allow: readonly Compiled[];
  private readonly deny: readonly Compiled[];

  constructor(
    rules: DestinationRules,
    /** The ports ptunnel listens on now: they change with reloads. */
    private readonly ownPorts: () => readonly number[],
    /** The addresses those listeners are bound to (a wildcard among them takes every address of the host). */
    private readonly ownAddresses: () => readonly string[] = () => [],
    /** This host's interfaces, read for a request to an own port at a non-loopback address (tests give their own). */
    private readonly interfaces?: () => ReturnType<typeof networkInterfaces>,
  ) {
    this.allow = rules.allow.map(compile);
    this.deny = rules.deny.map(compile);
  }

  /** Why the client may not go to this destination (one line), or undefined: allowed. */
  refusal(destination: DestinationRequest): string | undefined {
    const dest = normalise(destination.host);
    // Asked once per SOCKS or CONNECT request: the text is built only for a refusal.
    const where = () => formatHostPort(dest.host, destination.port);
    const denied = this.denial(dest.host === 'localhost' ? LOCALHOST : dest, destination.port, where);
    if (denied !== undefined) return denied;
    const byUser = first(this.deny, dest, destination.port);
    if (byUser !== undefined) return `${where()} is refused by --deny-dest entry ${JSON.stringify(byUser.text)}`;
    if (this.allow.length === 0 || first(this.allow, dest, destination.port) !== undefined) return undefined;
    const hint = !dest.ip && this.allow.some((c) => c.cidr !== undefined) ? '; its CIDR entries match IP addresses, not names: add the name or .domain' : '';
    return `${where()} matches no --allow-dest entry${hint}`;
  }

  /**
   * Why connecting to this address, which a destination name resolved to on the direct route,
   * is refused (the built-in denials, own ports, --deny-dest ranges), or undefined.
   */
  addressRefusal(address: string, port: number, name: string): string | undefined {
    const ip = canonicalIp(address);
    const where = () => `${formatHostPort(name, port)} (${ip})`;
    const dest = { host: ip, ip: true };
    const denied = this.denial(dest, port, where);
    if (denied !== undefined) return denied;
    const byUser = first(this.deny, dest, port);
    return byUser === undefined ? undefined : `${where()} is refused by --deny-dest entry ${JSON.stringify(byUser.text)}`;
  }

  private denial(dest: { host: string; ip: boolean }, port: number, where: () => string): string | undefined {
    if (!dest.ip) return undefined;
    if (builtInDenied(dest.host)) {
      return `${where()} is a link-local or metadata address, which ptunnel never connects a client to (built-in denial)`;
    }
    if (this.ownPorts().includes(port) && this.reachesOwnListener(dest.host)) {
      return `${where()} is ptunnel's own listener and would connect to itself (built-in denial)`;
    }
    return undefined;
  }

  /**
   * Whether a connection to `ip` (at one of ptunnel's ports) could come back to ptunnel: loopback
   * and wildcard always; an address a listener is bound to; and, where a listener is bound to a
   * wildcard (--listen 0.0.0.0 with --allow-clients), every address of this host's interfaces, so
   * that a client cannot chain ptunnel to itself through the host's LAN address.
   */
  private reachesOwnListener(ip: string): boolean {
    if (isLoopback(ip) || isWildcard(ip)) return true;
    // Read afresh each time: a laptop's addresses change with its network, and this is asked
    // only for a request to one of ptunnel's own ports.
    return listeningAddresses(this.ownAddresses(), this.interfaces?.()).some((a) => canonicalIp(a) === ip);
  }
}

/** Why a resolved address may not be connected to (one line), or undefined. */
export type AddressScreen = (address: string) => string | undefined;

/**
 * `lookup` without the addresses `screen` refuses: a name that resolves to allowed and refused
 * addresses is connected to the allowed ones; one with none left fails with ERR_DEST_DENIED.
 */
export function screenedLookup(lookup: AddressLookup, screen: AddressScreen): AddressLookup {
  return async (host, signal) => {
    const found = await lookup(host, signal);
    const kept = found.filter((a) => screen(a.address) === undefined);
    const first = found[0];
    if (kept.length === 0 && first !== undefined) throw new PtunnelError('ERR_DEST_DENIED', screen(first.address) as string);
    return kept;
  };
}
