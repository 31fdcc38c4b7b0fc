import { isIPv4 } from 'node:net';

/**
 * net.isIP, without V8's IPv6 pattern. That pattern is large: the first string net.isIP tests
 * against it (any host name, `::1`) costs 3-4 ms of compiling, a twentieth of start-up, and every
 * configuration names a host. An IPv6 address always holds a ':'; IPv4 addresses and names never
 * do. test/util/ip-family-agrees-with-node.test.ts holds this to net.isIP's answers.
 */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (!text.includes(':')) return isIPv4(text) ? 4 : 0;
  return isIPv6Text(text) ? 6 : 0;
}

/** The family name that BlockList's check, addAddress and addSubnet take, for an ipFamily answer (callers have refused 0). */
export function blockListFamily(family: 0 | 4 | 6): 'ipv4' | 'ipv6' {
  return family === 6 ? 'ipv6' : 'ipv4';
}

const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const ZONE = /^[0-9a-zA-Z.:-]+$/;

/**
 * RFC 4291's text forms, as net.isIPv6 reads them: eight 16-bit groups, or fewer around a single
 * `::` that stands for at least one zero group; a dotted IPv4 address may stand for the last two;
 * a `%zone` may follow.
 */
function isIPv6Text(text: string): boolean {
  const percent = text.indexOf('%');
  if (percent >= 0 && !ZONE.test(text.slice(percent + 1))) return false;
  const address = percent >= 0 ? text.slice(0, percent) : text;
  const gap = address.indexOf('::');
  if (gap >= 0 && address.indexOf('::', gap + 1) >= 0) return false;
  const parts = gap >= 0 ? [address.slice(0, gap), address.slice(gap + 2)] : [address];
  let groups = 0;
  for (let p = 0; p < parts.length; p++) {
    const part = parts[p] as string;
    if (part === '') continue;
    const fields = part.split(':');
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f] as string;
      const last = p === parts.length - 1 && f === fields.length - 1;
      if (HEX_GROUP.test(field)) groups += 1;
      else if (last && isIPv4(field)) groups += 2;
      else return false;
    }
  }
  return gap >= 0 ? groups <= 7 : groups === 8;
}

/**
 * One spelling per address, so that string comparisons mean "same address": IPv6 compressed and
 * lower case (the form the kernel reports in rinfo and remoteAddress), and IPv4-mapped IPv6
 * (::ffff:7f00:1, ::ffff:127.0.0.1) as the IPv4 address it reaches. A zone (`%eth0`) is kept as
 * written. Anything else is returned as given.
 */
export function canonicalIp(address: string): string {
  if (ipFamily(address) !== 6) return address;
  const percent = address.indexOf('%');
  // The URL parser compresses IPv6 but knows no zones.
  const v6 = new URL(`http://[${percent >= 0 ? address.slice(0, percent) : address}]/`).hostname.slice(1, -1);
  if (percent >= 0) return v6 + address.slice(percent);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1] as string, 16);
  const lo = parseInt(mapped[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
