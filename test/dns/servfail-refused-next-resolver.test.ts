import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('SERVFAIL and REFUSED', () => {
  let servfail: FakeDns;
  let refused: FakeDns;
  let good: FakeDns;
  beforeAll(async () => {
    servfail = await startFakeDns((q) => answer(q, [], { rcode: 2 }));
    refused = await startFakeDns((q) => answer(q, [], { rcode: 5 }));
    good = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.55' }] : []));
  });
  afterAll(async () => {
    await Promise.all([servfail.close(), refused.close(), good.close()]);
  });
  const udp = (f: FakeDns, label: string) => ({ kind: 'udp' as const, host: '127.0.0.1', port: f.port, label });

  it('are distinct errors', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 500, retries: 1, cache: true });
    await expect(resolver.queryServer(udp(servfail, 'sf'), 'mail.test')).rejects.toMatchObject({
      code: 'ERR_DNS_SERVFAIL',
      message: expect.stringMatching(/^DNS server sf failed to resolve mail\.test (A|AAAA) \(SERVFAIL\)$/),
    });
    await expect(resolver.queryServer(udp(refused, 'rf'), 'mail.test')).rejects.toMatchObject({ code: 'ERR_DNS_REFUSED' });
    // Not retried: a server that said no says it again.
    expect(servfail.queries).toHaveLength(2);
  });

  it('send the lookup on to the next resolver, and are not cached', async () => {
    const resolver = new Resolver({ servers: [udp(servfail, 'sf'), udp(refused, 'rf'), udp(good, 'good')], timeoutMs: 500, retries: 0, cache: true });
    await expect(resolver.lookup('other.test')).resolves.toEqual([{ address: '192.0.2.55', family: 4 }]);
    const all = new Resolver({ servers: [udp(servfail, 'sf'), udp(refused, 'rf')], timeoutMs: 500, retries: 0, cache: true });
    const err = await all.lookup('third.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_REFUSED' });
    expect((err as Error).message).toMatch(/^cannot resolve third\.test: DNS server sf .*SERVFAIL.*; DNS server rf .*REFUSED/);
    const before = servfail.queries.length;
    await expect(all.lookup('third.test')).rejects.toMatchObject({ code: 'ERR_DNS_REFUSED' });
    expect(servfail.queries.length).toBeGreaterThan(before);
  });
});
