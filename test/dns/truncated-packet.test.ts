import net from 'node:net';
import { Resolver } from '../../src/dns/resolver';
import { answer, FakeDns, startFakeDns } from '../support/fake-dns';

describe('a packet cut short', () => {
  let udpCut: FakeDns;
  let tcpCut: net.Server;
  let tcpPort = 0;
  beforeAll(async () => {
    udpCut = await startFakeDns((q) => {
      const full = answer(q, [{ type: 'A', name: q.name, data: '192.0.2.53' }]);
      return full.subarray(0, full.length - 5);
    });
    // Announces a 200-byte message, sends 20 bytes and hangs up.
    tcpCut = net.createServer((s) => {
      s.once('data', () => {
        const head = Buffer.alloc(22);
        head.writeUInt16BE(200, 0);
        s.end(head);
      });
      s.on('error', () => undefined);
    });
    await new Promise<void>((r) => tcpCut.listen(0, '127.0.0.1', () => r()));
    tcpPort = (tcpCut.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await udpCut?.close();
    await new Promise((r) => tcpCut.close(r));
  });

  it('over UDP does not count as an answer', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 200, retries: 0, cache: false });
    const err = await resolver.queryServer({ kind: 'udp', host: '127.0.0.1', port: udpCut.port, label: 'cut' }, 'mail.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect((err as Error).message).toMatch(/ignored 1 packet\(s\): garbage \(message ends after \d+ of \d+ bytes \(truncated\)\)/);
  });

  it('over TCP is a protocol error naming the missing bytes', async () => {
    const resolver = new Resolver({ servers: [], timeoutMs: 1000, retries: 0, cache: false });
    const err = await resolver.queryServer({ kind: 'tcp', host: '127.0.0.1', port: tcpPort, label: 'cut' }, 'mail.test').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_DNS_PROTOCOL' });
    expect((err as Error).message).toMatch(/TCP connection closed after 22 of 202 bytes \(truncated message\)/);
  });
});
