import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('an answer that ends in a CNAME without addresses', () => {
  let dns: FakeDns;
  beforeAll(async () => {
    // Like a forwarder that returns only the alias: the target has to be asked for separately.
    dns = await startFakeDns((q) => {
      if (q.name === 'alias.test') return answer(q, [{ type: 'CNAME', name: 'alias.test', data: 'hop.test', ttl: 300 }]);
      if (q.name === 'hop.test') return answer(q, [{ type: 'CNAME', name: 'hop.test', data: 'end.test', ttl: 200 }]);
      if (q.name === 'end.test' && q.type === 'A') return answer(q, [{ type: 'A', name: 'end.test', data: '192.0.2.30', ttl: 100 }]);
      if (q.name === 'end.test') return answer(q, []);
      if (q.name === 'loop1.test') return answer(q, [{ type: 'CNAME', name: q.name, data: 'loop2.test' }]);
      if (q.name === 'loop2.test') return answer(q, [{ type: 'CNAME', name: q.name, data: 'loop1.test' }]);
      // A planted record for a name outside the chain must be ignored.
      if (q.name === 'plant.test') return answer(q, [{ type: 'A', name: 'other.test', data: '192.0.2.66' }]);
      return answer(q, [], { rcode: 3 });
    });
  });
  afterAll(() => dns.close());

  const server = () => ({ kind: 'udp' as const, host: '127.0.0.1', port: dns.port, label: 'fake' });

  it('is asked again for the CNAME target until addresses come, with the smallest TTL', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false });
    const result = await resolver.queryServer(server(), 'alias.test');
    expect(result.addresses).toEqual([{ address: '192.0.2.30', family: 4 }]);
    expect(result.chain).toEqual(['hop.test', 'end.test']);
    expect(result.ttl).toBe(100);
    expect(dns.queries.filter((q) => q.type === 'A').map((q) => q.name)).toEqual(['alias.test', 'hop.test', 'end.test']);
  });

  it('gives up on a CNAME loop with a protocol error, within the depth bound', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false, maxCnameDepth: 4 });
    dns.queries.length = 0;
    await expect(resolver.queryServer(server(), 'loop1.test')).rejects.toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect(dns.queries.filter((q) => q.type === 'A').length).toBeLessThanOrEqual(5);
  });

  it('ignores addresses for names it did not ask about', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false });
    await expect(resolver.queryServer(server(), 'plant.test')).rejects.toMatchObject({ code: 'ERR_DNS_NODATA' });
  });
});
