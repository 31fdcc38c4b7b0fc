import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('garbage from a DNS server', () => {
  let garbage: FakeDns;
  let fallback: FakeDns;
  beforeAll(async () => {
    garbage = await startFakeDns(() => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n'));
    fallback = await startFakeDns((q) => answer(q, q.type === 'A' ? [{ type: 'A', name: q.name, data: '192.0.2.52' }] : []));
  });
  afterAll(async () => {
    await garbage?.close();
    await fallback?.close();
  });

  it('over TCP is a protocol error at once', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false });
    const err = await resolver.queryServer({ kind: 'tcp', host: '127.0.0.1', port: garbage.port, label: 'junk' }, 'mail.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect((err as Error).message).toMatch(/^DNS server junk sent an invalid answer for mail\.test (A|AAAA): (garbage|not a response)/);
  });

  it('over UDP is ignored until the timeout, then the next resolver answers', async () => {
    const resolver = new Resolver({
      servers: [
        { kind: 'udp', host: '127.0.0.1', port: garbage.port, label: 'junk' },
        { kind: 'udp', host: '127.0.0.1', port: fallback.port, label: 'good' },
      ],
      timeoutMs: 200,
      retries: 0,
      cache: false,
    });
    await expect(resolver.lookup('mail.test')).resolves.toEqual([{ address: '192.0.2.52', family: 4 }]);
  });
});
