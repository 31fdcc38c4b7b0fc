import net from 'node:net';
import { FaultProxy, startFaultProxy } from '../support/fault-proxy';
import { serve, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

/** What the client saw: the bytes, and whether the stream ended cleanly or was reset. */
function readToClose(port: number): Promise<{ text: string; ending: string }> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let text = '';
    let ending = 'close';
    s.on('data', (c: Buffer) => (text += c.toString()));
    s.on('end', () => (ending = 'end'));
    s.on('error', (err: NodeJS.ErrnoException) => (ending = err.code ?? 'error'));
    s.on('close', () => resolve({ text, ending }));
  });
}

/**
 * An upstream that sends data and then resets reaches the client as a reset, not as a clean end
 * of stream: the client must be able to tell a truncated stream from a complete one. The log
 * line names the outcome.
 */
describe('an upstream reset', () => {
  let server: TestServer;
  let proxy: FaultProxy;
  beforeAll(async () => {
    server = await serve((socket) => {
      socket.write('partial answer');
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
    // A proxy whose tunnel is cut: it answers 200, passes some bytes, then resets.
    proxy = await startFaultProxy((socket) => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\npartial answer');
      setTimeout(() => socket.resetAndDestroy(), 50);
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.close();
  });

  it.each(['direct', 'proxy'])('%s: reaches the client as ECONNRESET after the data, logged as upstream-reset', async (mode) => {
    const tunnel = await startTunnel({
      flags: { mode, ...(mode === 'proxy' ? { 'proxy.url': proxy.url } : {}), tunnels: [`0:127.0.0.1:${server.port}`] },
    });
    const seen = await readToClose(tunnel.port());
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(seen).toEqual({ text: 'partial answer', ending: 'ECONNRESET' });
    expect(record).toMatchObject({ route: mode, outcome: 'upstream-reset', bytesDown: 14 });
    const line = tunnel.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'connection closed');
    expect(line).toMatchObject({ outcome: 'upstream-reset' });
  });
});
