import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

const A = (name: string) => [{ type: 'A' as const, name, data: '192.0.2.50' }];

describe('an answer with the wrong ID', () => {
  let spoofThenReal: FakeDns;
  let onlySpoof: FakeDns;
  beforeAll(async () => {
    spoofThenReal = await startFakeDns((q) => (q.type === 'A' ? [answer(q, A(q.name), { id: (q.id + 1) & 0xffff }), answer(q, A(q.name))] : answer(q, [])));
    onlySpoof = await startFakeDns((q) => answer(q, A(q.name), { id: (q.id + 1) & 0xffff }));
  });
  afterAll(async () => {
    await spoofThenReal?.close();
    await onlySpoof?.close();
  });

  it('is dropped, and the real answer that follows is used', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false });
    const result = await resolver.queryServer({ kind: 'udp', host: '127.0.0.1', port: spoofThenReal.port, label: 'fake' }, 'mail.test');
    expect(result.addresses).toEqual([{ address: '192.0.2.50', family: 4 }]);
  });

  it('alone is a protocol error saying so, over UDP after the wait and over TCP at once', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 300, retries: 0, cache: false });
    const udp = await resolver.queryServer({ kind: 'udp', host: '127.0.0.1', port: onlySpoof.port, label: 'fake' }, 'mail.test').catch((e: unknown) => e);
    expect(udp).toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect((udp as Error).message).toMatch(/^DNS server fake sent an invalid answer for mail\.test (A|AAAA): no valid answer within the timeout; ignored 1 packet\(s\): wrong ID/);
    const started = Date.now();
    const tcp = await resolver.queryServer({ kind: 'tcp', host: '127.0.0.1', port: onlySpoof.port, label: 'fake' }, 'mail.test').catch((e: unknown) => e);
    expect(tcp).toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect((tcp as Error).message).toMatch(/wrong ID \(got \d+, sent \d+\)/);
    expect(Date.now() - started).toBeLessThan(250);
  });
});
