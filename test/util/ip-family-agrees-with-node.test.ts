import * as nodeNet from 'node:net';
import { canonicalIp, ipFamily } from '../../src/util/ip';

// ipFamily stands in for net.isIP (src/util/ip.ts says why), so it must answer as net.isIP does
// for every string: the published forms, the near misses, and many strings assembled at random
// from the pieces addresses are made of.

const known = [
  '::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6::8', '2001:db8::1',
  '2001:DB8:0:0:8:800:200C:417A', 'FF01::101', '::13.1.68.3', '::FFFF:129.144.52.38', '64:ff9b::192.0.2.33',
  '1:2:3:4:5:6:1.2.3.4', 'fe80::1%eth0', 'fe80::1%25', 'fe80::1%a.b-c:d',
  // near misses
  '', ':', ':::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1::2::3', ':1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:',
  '12345::', 'g::1', '::1.2.3', '::256.1.1.1', '::01.2.3.4', '1.2.3.4::', '1:2:3:4:5:6::1.2.3.4', '::1%', '::1%eth 0',
  '::1%eth0%1', '[::1]', '::1 ', ' ::1', 'localhost', 'mail.example.com', 'host:993', '127.0.0.1:53',
  '127.0.0.1', '0.0.0.0', '255.255.255.255', '256.0.0.1', '01.2.3.4', '1.2.3', '1.2.3.4.5', '1.2.3.4 ',
];

const pieces = ['', '0', '1', 'a', 'ffff', 'FFFF', '0db8', '12345', 'g', ':', ':', ':', '::', '.', '1.2.3.4', '255.0.0.1', '256.1.1.1', '01.2.3.4', '%', '%eth0', '%x:y', ' ', '[', ']'];

function randomText(next: () => number): string {
  const count = 1 + Math.floor(next() * 12);
  let text = '';
  for (let i = 0; i < count; i++) text += pieces[Math.floor(next() * pieces.length)];
  return text;
}

// A fixed seed: a failure names a string that fails again on the next run.
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return (s >>> 8) / 0x1000000;
  };
}

describe('ipFamily', () => {
  it.each(known)('answers as net.isIP for %j', (text) => {
    expect(ipFamily(text)).toBe(nodeNet.isIP(text));
  });

  it('answers as net.isIP for 100 000 strings assembled from address pieces, a tenth of them addresses', () => {
    const next = seeded(18);
    const disagreements: string[] = [];
    let v6 = 0;
    for (let i = 0; i < 100_000; i++) {
      const text = randomText(next);
      const family = ipFamily(text);
      if (family === 6) v6++;
      if (family !== nodeNet.isIP(text) && disagreements.length < 10) disagreements.push(text);
    }
    expect(disagreements).toEqual([]);
    // The mix must hold real IPv6 addresses, or the agreement above says little.
    expect(v6).toBeGreaterThan(1_000);
  });

  it('gives canonicalIp only strings it can spell, zones included', () => {
    expect(canonicalIp('FE80:0::1%eth0')).toBe('fe80::1%eth0');
    const next = seeded(7);
    for (let i = 0; i < 20_000; i++) {
      const text = randomText(next);
      if (ipFamily(text) === 6) expect(() => canonicalIp(text)).not.toThrow();
    }
  });
});
