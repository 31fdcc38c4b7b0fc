import net from 'node:net';
import { startTunnel } from '../support/tunnel';

describe('byte counts', () => {
  it('a connection whose target did not resolve reports bytesUp=0, not what the client sent into the void', async () => {
    const tunnel = await startTunnel({
      flags: { mode: 'direct', tunnels: ['0:no-such-host.invalid:993'] },
      // Slow enough for the client's first bytes to arrive while it waits.
      lookup: async () => {
        await new Promise((r) => setTimeout(r, 300));
        throw Object.assign(new Error('no-such-host.invalid: NXDOMAIN'), { code: 'ENOTFOUND' });
      },
    });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    client.on('error', () => undefined);
    client.write(Buffer.alloc(517, 0x16)); // a TLS ClientHello's size
    const [record] = await tunnel.ended(1);
    client.destroy();
    await tunnel.close();
    expect(record).toMatchObject({ bytesUp: 0, bytesDown: 0 });
    expect(record?.route).toBeUndefined();
  });
});
