import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('an answer to a different question', () => {
  let dns: FakeDns;
  let fallback: FakeDns;
  beforeAll(async () => {
    // Answers for another name (cache-poisoning shape): must not be taken for ours.
    dns = await startFakeDns((q) => answer(q, [{ type: 'A', name: 'evil.test', data: '203.0.113.1' }], { question: { name: 'evil.test', type: q.type } }));
    fallback = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.51' }] : []));
  });
  afterAll(async () => {
    await dns?.close();
    await fallback?.close();
  });

  it('is dropped; the server counts as broken and the next resolver answers', async () => {
    const resolver = new Resolver({
      servers: [
        { kind: 'udp', host: '127.0.0.1', port: dns.port, label: 'liar' },
        { kind: 'udp', host: '127.0.0.1', port: fallback.port, label: 'honest' },
      ],
      timeoutMs: 300,
      retries: 0,
      cache: false,
    });
    const outcomes: string[] = [];
    const hooked = new Resolver({ ...resolverOptions(resolver), hooks: { onQuery: (r, o) => outcomes.push(`${r}:${o}`) } });
    await expect(hooked.lookup('mail.test')).resolves.toEqual([{ address: '192.0.2.51', family: 4 }]);
    expect(outcomes).toEqual(['liar:protocol', 'honest:ok']);
    const [liar] = await resolver.queryEach('mail.test');
    expect(liar?.error?.message).toMatch(/wrong question \(got evil\.test A, asked mail\.test A\)|wrong question \(got evil\.test AAAA, asked mail\.test AAAA\)/);
  });
});

function resolverOptions(r: Resolver) {
  return { servers: [...r.servers], timeoutMs: 300, retries: 0, cache: false };
}
