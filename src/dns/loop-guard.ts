import { BlockList } from 'node:net';
import { networkInterfaces } from 'node:os';
import { usageError } from '../errors';
import { isLoopback, isWildcard } from '../net/address';
import { blockListFamily, canonicalIp, ipFamily } from '../util/ip';

/**
 * Refuses answers that would send a tunnel back into ptunnel. The mail client reaches ptunnel
 * because something maps the real name to loopback (the hosts file, a pod's hostAliases); a
 * resolver that reads that mapping (systemd-resolved's stub, a laptop's dnsmasq) hands it to
 * ptunnel too, and connecting there would loop. Only names are checked: a mapping that names an
 * address literally never reaches the resolver, so the user can still tunnel to one on purpose.
 */
export class LoopGuard {
  private own = new Set<string>();
  private readonly allow = new BlockList();

  /** `allow`: addresses or CIDR ranges the user vouches for (e.g. a local server on 127.0.0.2). */
  constructor(allow: readonly string[] = []) {
    for (const entry of allow) addRange(this.allow, entry);
  }

  /** The addresses ptunnel's listeners are bound to (wildcards already expanded). */
  setOwnAddresses(addresses: Iterable<string>): void {
    this.own = new Set([...addresses].map(canonical));
  }

  /** Why `address` must not be a tunnel target, or undefined when it may be. */
  reason(address: string): string | undefined {
    const a = canonical(address);
    if (this.allow.check(a, blockListFamily(ipFamily(a)))) return undefined;
    if (this.own.has(a)) return 'one of ptunnel\'s own listening addresses';
    if (isWildcard(a)) return 'the unspecified address';
    if (isLoopback(a)) return 'a loopback address';
    return undefined;
  }
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1, ::ffff:7f00:1) is the IPv4 address as far as connect() goes. */
const canonical = canonicalIp;

function addRange(list: BlockList, entry: string): void {
  const [ip, bits, extra] = entry.trim().split('/');
  const family = ipFamily(ip ?? '');
  if (!ip || family === 0 || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) {
    throw usageError('ERR_CONFIG', `loop-guard exception ${JSON.stringify(entry)} is not an IP address or CIDR range (e.g. 127.0.0.2 or 10.0.0.0/8)`);
  }
  const type = blockListFamily(family);
  if (bits === undefined) {
    list.addAddress(canonical(ip), type);
    return;
  }
  const prefix = Number(bits);
  if (prefix > (family === 6 ? 128 : 32)) {
    throw usageError('ERR_CONFIG', `loop-guard exception ${JSON.stringify(entry)}: prefix /${prefix} is too long`);
  }
  list.addSubnet(ip, prefix, type);
}

/**
 * The addresses connections to ptunnel's listeners arrive on; a wildcard bind (0.0.0.0, ::)
 * stands for every address of this host.
 */
export function listeningAddresses(bound: Iterable<string>, interfaces = networkInterfaces()): string[] {
  const out = new Set<string>();
  for (const address of bound) {
    if (isWildcard(address)) {
      for (const list of Object.values(interfaces)) for (const i of list ?? []) out.add(i.address.toLowerCase());
    } else {
      out.add(address.toLowerCase());
    }
  }
  return [...out];
}
