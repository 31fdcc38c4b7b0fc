import { isIP } from 'node:net';

/**
 * One spelling per address, so that string comparisons mean "same address": IPv6 compressed and
 * lower case (the form the kernel reports in rinfo and remoteAddress), and IPv4-mapped IPv6
 * (::ffff:7f00:1, ::ffff:127.0.0.1) as the IPv4 address it reaches. Anything else is returned as
 * given.
 */
export function canonicalIp(address: string): string {
  if (isIP(address) !== 6) return address;
  const v6 = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(v6);
  if (!mapped) return v6;
  const hi = parseInt(mapped[1] as string, 16);
  const lo = parseInt(mapped[2] as string, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}
