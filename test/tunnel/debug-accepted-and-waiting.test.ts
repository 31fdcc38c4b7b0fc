import net from 'node:net';
import { startFaultProxy } from '../support/fault-proxy';
import { startTunnel } from '../support/tunnel';

describe('debug lines', () => {
  it('-v tells that a connection was accepted and that it waits for the proxy', async () => {
    // A proxy that takes the CONNECT and never answers.
    const proxy = await startFaultProxy(() => undefined);
    const tunnel = await startTunnel({ flags: { mode: 'proxy', 'proxy.url': `http://127.0.0.1:${proxy.port}`, tunnels: ['0:mail.example:993'] } });
    const client = net.connect(tunnel.port(), '127.0.0.1');
    client.on('error', () => undefined);
    await new Promise<void>((r) => client.once('connect', () => r()));
    const deadline = Date.now() + 5000;
    while (!tunnel.logs.some((l) => /waiting for proxy/.test(l)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const msgs = tunnel.logs.map((l) => (JSON.parse(l) as { msg: string; level: string }));
    expect(msgs).toContainEqual(expect.objectContaining({ level: 'debug', msg: `connection 1 accepted from 127.0.0.1:${client.localPort}` }));
    expect(msgs).toContainEqual(expect.objectContaining({ level: 'debug', msg: `connection 1: waiting for proxy http://127.0.0.1:${proxy.port} to connect` }));
    client.destroy();
    await tunnel.close();
    await proxy.close();
  });
});
