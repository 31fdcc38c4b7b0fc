import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('the DNS cache', () => {
  let dns: FakeDns;
  let ttl = 60;
  beforeAll(async () => {
    dns = await startFakeDns((q) => {
      if (q.name.startsWith('nx')) return answer(q, [], { rcode: 3, soaMinimum: 600 });
      return answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.70', ttl }] : []);
    });
  });
  afterAll(() => dns.close());

  const make = (now: () => number, cache = true) => {
    const hits: string[] = [];
    const resolver = new Resolver({
      servers: [{ kind: 'udp', host: '127.0.0.1', port: dns.port, label: 'fake' }],
      timeoutMs: 500,
      retries: 0,
      cache,
      now,
      hooks: { onCacheHit: (n) => hits.push(n) },
    });
    return { resolver, hits };
  };
  const asked = (name: string) => dns.queries.filter((q) => q.name === name && q.type === 'A').length;

  it('keeps an answer for its TTL and asks again after it', async () => {
    let clock = 1_000_000;
    ttl = 60;
    const { resolver, hits } = make(() => clock);
    await resolver.lookup('ttl.test');
    clock += 59_000;
    await resolver.lookup('ttl.test');
    expect(asked('ttl.test')).toBe(1);
    expect(hits).toEqual(['ttl.test']);
    clock += 1_000;
    await resolver.lookup('ttl.test');
    expect(asked('ttl.test')).toBe(2);
  });

  it('clamps TTLs to 5 s .. 1 h', async () => {
    let clock = 0;
    ttl = 0;
    const { resolver } = make(() => clock);
    await resolver.lookup('zero.test');
    clock += 4_999;
    await resolver.lookup('zero.test');
    expect(asked('zero.test')).toBe(1);
    clock += 1;
    await resolver.lookup('zero.test');
    expect(asked('zero.test')).toBe(2);

    ttl = 86_400;
    await resolver.lookup('day.test');
    clock += 3_599_999;
    await resolver.lookup('day.test');
    expect(asked('day.test')).toBe(1);
    clock += 1;
    await resolver.lookup('day.test');
    expect(asked('day.test')).toBe(2);
  });

  it('remembers NXDOMAIN for at most 30 s whatever the SOA says', async () => {
    let clock = 0;
    const { resolver } = make(() => clock);
    await expect(resolver.lookup('nx1.test')).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
    clock += 29_999;
    await expect(resolver.lookup('nx1.test')).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
    expect(asked('nx1.test')).toBe(1);
    clock += 1;
    await expect(resolver.lookup('nx1.test')).rejects.toMatchObject({ code: 'ERR_DNS_NXDOMAIN' });
    expect(asked('nx1.test')).toBe(2);
  });

  it('can be turned off', async () => {
    ttl = 3600;
    const { resolver, hits } = make(() => 0, false);
    await resolver.lookup('off.test');
    await resolver.lookup('off.test');
    expect(asked('off.test')).toBe(2);
    expect(hits).toEqual([]);
  });
});
