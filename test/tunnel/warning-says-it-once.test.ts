import net from 'node:net';
import { startTunnel } from '../support/tunnel';

describe('warning lines', () => {
  it('a failed connection is told in msg, with the error code in the fields, not the message twice', async () => {
    const tunnel = await startTunnel({
      flags: { mode: 'direct', tunnels: ['0:no-such-host.invalid:993'] },
      lookup: async () => {
        throw Object.assign(new Error('no-such-host.invalid: NXDOMAIN'), { code: 'ENOTFOUND' });
      },
    });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    client.on('error', () => undefined);
    await tunnel.ended(1);
    client.destroy();
    await tunnel.close();
    const line = tunnel.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => /failed/.test(String(l.msg)));
    expect(line?.msg).toMatch(/^connection 1 failed: .*NXDOMAIN/);
    expect(line).not.toHaveProperty('err');
    expect(JSON.stringify(line).match(/NXDOMAIN/g)).toHaveLength(1);
  });
});
