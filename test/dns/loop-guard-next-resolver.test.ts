import { LoopGuard, listeningAddresses } from '../../src/dns/loop-guard';
import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('the loop guard', () => {
  let hostsReader: FakeDns;
  let real: FakeDns;
  beforeAll(async () => {
    // What systemd-resolved does with "127.0.0.1 imap.test" in /etc/hosts.
    hostsReader = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '127.0.0.1' }] : []));
    real = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.60' }] : []));
  });
  afterAll(async () => {
    await hostsReader?.close();
    await real?.close();
  });
  const udp = (f: FakeDns, label: string) => ({ kind: 'udp' as const, host: '127.0.0.1', port: f.port, label });

  it('refuses a resolver answering 127.0.0.1 and uses the next one', async () => {
    const outcomes: string[] = [];
    const resolver = new Resolver({
      servers: [udp(hostsReader, 'system 127.0.0.53:53'), udp(real, 'https://1.1.1.1/dns-query')],
      timeoutMs: 500,
      retries: 0,
      cache: true,
      hooks: { onQuery: (r, o) => outcomes.push(`${r}:${o}`) },
    });
    await expect(resolver.lookup('imap.test')).resolves.toEqual([{ address: '192.0.2.60', family: 4 }]);
    expect(outcomes).toEqual(['system 127.0.0.53:53:ok', 'system 127.0.0.53:53:loop', 'https://1.1.1.1/dns-query:ok']);
  });

  it('fails with a message naming the resolver and what to configure when no resolver is left', async () => {
    const resolver = new Resolver({ servers: [udp(hostsReader, 'system 127.0.0.53:53')], timeoutMs: 500, retries: 0, cache: true });
    const err = await resolver.lookup('imap.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_LOOP' });
    expect((err as Error).message).toContain('DNS server system 127.0.0.53:53 answered imap.test with 127.0.0.1, a loopback address');
    expect((err as Error).message).toContain('Give --dns servers that do not read the hosts file');
    expect((err as Error).message).toContain('--dns-allow 127.0.0.1');
    // A refusal is not an answer about the name: it is not cached.
    const before = hostsReader.queries.length;
    await expect(resolver.lookup('imap.test')).rejects.toMatchObject({ code: 'ERR_DNS_LOOP' });
    expect(hostsReader.queries.length).toBeGreaterThan(before);
  });

  it('lets through an address the user allowed, and a mapping that names an address literally', async () => {
    const allowed = new Resolver({ servers: [udp(hostsReader, 'stub')], timeoutMs: 500, retries: 0, cache: false, allow: ['127.0.0.0/8'] });
    await expect(allowed.lookup('imap.test')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    const plain = new Resolver({ servers: [udp(hostsReader, 'stub')], timeoutMs: 500, retries: 0, cache: false });
    await expect(plain.lookup('127.0.0.1')).resolves.toEqual([{ address: '127.0.0.1', family: 4 }]);
    await expect(plain.lookup('localhost')).resolves.toEqual([
      { address: '::1', family: 6 },
      { address: '127.0.0.1', family: 4 },
    ]);
  });

  it('knows loopback, unspecified, mapped and own listening addresses', () => {
    const guard = new LoopGuard(['10.0.0.0/8']);
    guard.setOwnAddresses(listeningAddresses(['192.0.2.7', '::'], { lo: [], eth0: [{ address: '198.51.100.4' } as never] }));
    expect(guard.reason('127.8.9.10')).toBe('a loopback address');
    expect(guard.reason('::1')).toBe('a loopback address');
    expect(guard.reason('::ffff:127.0.0.1')).toBe('a loopback address');
    expect(guard.reason('0.0.0.0')).toBe('the unspecified address');
    expect(guard.reason('::')).toBe('the unspecified address');
    expect(guard.reason('192.0.2.7')).toBe("one of ptunnel's own listening addresses");
    expect(guard.reason('198.51.100.4')).toBe("one of ptunnel's own listening addresses");
    expect(guard.reason('10.1.2.3')).toBeUndefined();
    expect(guard.reason('203.0.113.9')).toBeUndefined();
  });
});
