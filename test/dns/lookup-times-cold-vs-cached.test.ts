import { Resolver } from '../../src/dns/resolver';
import { parseDnsServer } from '../../src/dns/servers';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';
import { DohServer, makeTestCa, startDohServer, TestCa } from '../support/doh-server';
import { fromTable } from '../support/fake-dns';

/** Cold (first query) and cached lookup times; the figures go to the log for the issue. */
describe('lookup times', () => {
  let dnsmasq: Dnsmasq;
  let tls: TestCa;
  let doh: DohServer;
  beforeAll(async () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${i}.test`);
    dnsmasq = await startDnsmasq({ hosts: Object.fromEntries(names.map((n) => [n, ['192.0.2.1', '2001:db8::1']])) });
    tls = makeTestCa();
    doh = await startDohServer(tls, fromTable(names.flatMap((n) => [{ type: 'A' as const, name: n, data: '192.0.2.1' }, { type: 'AAAA' as const, name: n, data: '2001:db8::1' }])));
  });
  afterAll(async () => {
    await dnsmasq?.stop();
    await doh?.close();
  });

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

  it.each(['udp', 'doh'])('cached lookups are much faster than cold ones (%s)', async (kind) => {
    const server = kind === 'udp' ? parseDnsServer(dnsmasq.spec) : parseDnsServer(doh.url);
    const resolver = new Resolver({ servers: [server], timeoutMs: 2000, retries: 0, cache: true, doh: { ca: tls.ca } });
    try {
      // The very first DoH query pays for TCP and TLS; later cold ones reuse the connection.
      let t = performance.now();
      await resolver.lookup('n0.test');
      const first = performance.now() - t;
      const cold: number[] = [];
      const cached: number[] = [];
      for (let i = 1; i < 20; i++) {
        t = performance.now();
        await resolver.lookup(`n${i}.test`);
        cold.push(performance.now() - t);
        t = performance.now();
        await resolver.lookup(`n${i}.test`);
        cached.push(performance.now() - t);
      }
      console.log(
        `dns lookup times (${kind}, loopback): first ${first.toFixed(2)} ms, cold median ${median(cold).toFixed(3)} ms, cached median ${median(cached).toFixed(4)} ms`,
      );
      expect(median(cached)).toBeLessThan(median(cold));
      expect(median(cached)).toBeLessThan(1);
    } finally {
      await resolver.close();
    }
  });
});
