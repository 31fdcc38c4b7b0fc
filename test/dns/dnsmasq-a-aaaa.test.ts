import { Resolver } from '../../src/dns/resolver';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';

describe('A and AAAA from a real dnsmasq', () => {
  let dnsmasq: Dnsmasq;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ hosts: { 'mail.test': ['192.0.2.10', '2001:db8::10'], 'v4only.test': ['192.0.2.11'] }, ttl: 120 });
  });
  afterAll(() => dnsmasq.stop());

  it.each(['', 'tcp://'])('answers both families over %s with the TTL, IPv6 first', async (scheme) => {
    const resolver = new Resolver({ servers: [], timeoutMs: 2000, retries: 0, cache: false });
    const server = { kind: scheme ? 'tcp' : 'udp', host: '127.0.0.1', port: dnsmasq.port, label: `${scheme}dnsmasq` } as const;
    const answer = await resolver.queryServer(server, 'mail.test');
    expect(answer.addresses).toEqual([
      { address: '2001:db8::10', family: 6 },
      { address: '192.0.2.10', family: 4 },
    ]);
    expect(answer.ttl).toBe(120);
    expect(new Set(answer.via)).toEqual(new Set([scheme ? 'tcp' : 'udp']));
  });

  it('lookup gives the addresses for the direct route; a name with only A has no AAAA', async () => {
    const resolver = new Resolver({ servers: [{ kind: 'udp', host: '127.0.0.1', port: dnsmasq.port, label: 'dnsmasq' }], timeoutMs: 2000, retries: 0, cache: true });
    await expect(resolver.lookup('MAIL.test.')).resolves.toEqual([
      { address: '2001:db8::10', family: 6 },
      { address: '192.0.2.10', family: 4 },
    ]);
    await expect(resolver.lookup('v4only.test')).resolves.toEqual([{ address: '192.0.2.11', family: 4 }]);
  });
});
