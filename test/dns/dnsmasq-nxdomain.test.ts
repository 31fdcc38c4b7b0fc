import { Resolver } from '../../src/dns/resolver';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';
import { FakeDns, fromTable, startFakeDns } from '../support/fake-dns';

describe('a name that does not exist (dnsmasq --local)', () => {
  let dnsmasq: Dnsmasq;
  let second: FakeDns;
  beforeAll(async () => {
    dnsmasq = await startDnsmasq({ nxDomains: ['nx.test'] });
    second = await startFakeDns(fromTable([{ type: 'A', name: 'gone.nx.test', data: '192.0.2.99' }]));
  });
  afterAll(async () => {
    await dnsmasq?.stop();
    await second?.close();
  });

  it('is ERR_DNS_NXDOMAIN, final (the next resolver is not asked) and remembered briefly', async () => {
    const resolver = new Resolver({ servers: [{ kind: 'udp', host: '127.0.0.1', port: dnsmasq.port, label: 'dnsmasq' }, { kind: 'udp', host: '127.0.0.1', port: second.port, label: 'second' }], timeoutMs: 2000, retries: 0, cache: true });
    const err = await resolver.lookup('gone.nx.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
    expect((err as Error).message).toBe('gone.nx.test does not exist (NXDOMAIN from DNS server dnsmasq)');
    expect(second.queries).toHaveLength(0);
    const before = dnsmasq.log().split('query[').length;
    await expect(resolver.lookup('gone.nx.test')).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
    expect(dnsmasq.log().split('query[').length).toBe(before);
  });
});
