import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('a DNS server that never answers', () => {
  let silent: FakeDns;
  let fallback: FakeDns;
  beforeAll(async () => {
    silent = await startFakeDns(() => undefined);
    fallback = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.54' }] : []));
  });
  afterAll(async () => {
    await silent?.close();
    await fallback?.close();
  });

  it('is retried, times out, and the next resolver answers', async () => {
    const outcomes: string[] = [];
    const resolver = new Resolver({
      servers: [
        { kind: 'udp', host: '127.0.0.1', port: silent.port, label: 'silent' },
        { kind: 'udp', host: '127.0.0.1', port: fallback.port, label: 'good' },
      ],
      timeoutMs: 150,
      retries: 1,
      cache: false,
      hooks: { onQuery: (r, o) => outcomes.push(`${r}:${o}`) },
    });
    const started = Date.now();
    await expect(resolver.lookup('mail.test')).resolves.toEqual([{ address: '192.0.2.54', family: 4 }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(outcomes).toEqual(['silent:timeout', 'good:ok']);
    // Two attempts for each of A and AAAA, each from a fresh socket with a fresh ID.
    expect(silent.queries).toHaveLength(4);
    expect(new Set(silent.queries.map((q) => q.id)).size).toBe(4);
  });

  it('alone gives ERR_DNS_TIMEOUT naming the server', async () => {
    const resolver = new Resolver({ servers: [{ kind: 'udp', host: '127.0.0.1', port: silent.port, label: 'silent' }], timeoutMs: 100, retries: 0, cache: false });
    const err = await resolver.lookup('mail.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_TIMEOUT' });
    expect((err as Error).message).toMatch(/^DNS server silent did not answer mail\.test (A|AAAA) within 100ms$/);
  });
});
