import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, Query, startFakeDns } from '../support/fake-dns';

describe('concurrent lookups of one name', () => {
  let dns: FakeDns;
  beforeAll(async () => {
    // A slow server, so that all lookups are in flight together.
    dns = await startFakeDns(
      (q: Query) =>
        new Promise((resolve) =>
          setTimeout(() => resolve(answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.80' }] : [])), 100),
        ),
    );
  });
  afterAll(() => dns.close());

  it.each([true, false])('share one query (cache %s)', async (cache) => {
    dns.queries.length = 0;
    const resolver = new Resolver({ servers: [{ kind: 'udp', host: '127.0.0.1', port: dns.port, label: 'slow' }], timeoutMs: 1000, retries: 0, cache });
    const results = await Promise.all(Array.from({ length: 50 }, () => resolver.lookup('busy.test')));
    expect(results.every((r) => r.length === 1 && r[0]?.address === '192.0.2.80')).toBe(true);
    expect(dns.queries.map((q) => `${q.name} ${q.type}`).sort()).toEqual(['busy.test A', 'busy.test AAAA']);
  });

  it('a caller that goes away does not cancel the query for the others', async () => {
    dns.queries.length = 0;
    const resolver = new Resolver({ servers: [{ kind: 'udp', host: '127.0.0.1', port: dns.port, label: 'slow' }], timeoutMs: 1000, retries: 0, cache: true });
    const gone = new AbortController();
    const first = resolver.lookup('shared.test', gone.signal);
    const second = resolver.lookup('shared.test');
    gone.abort();
    await expect(first).rejects.toMatchObject({ code: 'ERR_CANCELLED' });
    await expect(second).resolves.toEqual([{ address: '192.0.2.80', family: 4 }]);
  });
});
