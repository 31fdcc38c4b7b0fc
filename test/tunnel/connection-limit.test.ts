import net from 'node:net';
import { roundTrip } from '../support/client';
import { connect, startEchoServer } from '../support/servers';
import { startService } from '../support/service';

function refusedOrClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => resolve(true));
    s.on('data', () => resolve(false));
    s.on('close', () => resolve(true));
    s.write('ping');
  });
}

describe('connection limits', () => {
  it('refuses connections over --max-connections at once, leaves the others alone, and recovers', async () => {
    const server = await startEchoServer();
    const svc = await startService({
      flags: { maxConnections: '3', tunnels: [`0:127.0.0.1:${server.port}`, `0:127.0.0.1:${server.port}`] },
    });
    const held = await Promise.all([connect(svc.port(0)), connect(svc.port(0)), connect(svc.port(1))]);
    for (const s of held) s.write('hold');
    await new Promise((r) => setTimeout(r, 100));
    expect(await refusedOrClosed(svc.port(0))).toBe(true);
    expect(await refusedOrClosed(svc.port(1))).toBe(true);
    // The held connections still work.
    for (const s of held) {
      let got = '';
      const echoed = new Promise<string>((r) =>
        s.on('data', (d) => {
          got += d.toString();
          if (got.endsWith('!')) r(got);
        }),
      );
      s.write('!');
      expect(await echoed).toBe('hold!');
    }
    const metrics = (await svc.get('/metrics')).body;
    expect(metrics).toMatch(/ptunnel_connections_rejected_total\{tunnel="0:127\.0\.0\.1:\d+",reason="limit"\} [12]/);
    expect(svc.logs.join('')).toMatch(/connection refused: connection limit reached \(3 overall\)/);
    for (const s of held) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await roundTrip(svc.port(0), 'again')).toString()).toBe('again');
    svc.signals.emit('SIGTERM');
    await svc.exited;
    await server.close();
  });

  it('applies --max-connections-per-tunnel to each tunnel separately', async () => {
    const server = await startEchoServer();
    const svc = await startService({
      flags: { maxConnectionsPerTunnel: '1', tunnels: [`0:127.0.0.1:${server.port}`, `0:127.0.0.1:${server.port}`] },
    });
    const a = await connect(svc.port(0));
    a.write('a');
    await new Promise((r) => setTimeout(r, 50));
    expect(await refusedOrClosed(svc.port(0))).toBe(true);
    expect((await roundTrip(svc.port(1), 'b')).toString()).toBe('b');
    expect(svc.logs.join('')).toMatch(/connection limit reached \(1 per tunnel\)/);
    a.destroy();
    svc.signals.emit('SIGTERM');
    await svc.exited;
    await server.close();
  });

  it('tells a refusal storm in one line and a summary, and counts every refusal', async () => {
    const server = await startEchoServer();
    const svc = await startService({ flags: { maxConnections: '1', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const held = await connect(svc.port(0));
    held.write('hold');
    await new Promise((r) => setTimeout(r, 50));
    const STORM = 300;
    const refused = await Promise.all(Array.from({ length: STORM }, () => refusedOrClosed(svc.port(0))));
    expect(refused.every(Boolean)).toBe(true);
    const metrics = (await svc.get('/metrics')).body;
    expect(metrics).toMatch(new RegExp(`ptunnel_connections_rejected_total\\{tunnel="0:127\\.0\\.0\\.1:\\d+",reason="limit"\\} ${STORM}\\b`));
    held.destroy();
    svc.signals.emit('SIGTERM');
    await svc.exited;
    const lines = svc.logs.filter((l) => /refused/.test(l));
    // The first refusal in full; the rest in one summary, written at the latest when ptunnel stops.
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/connection refused: connection limit reached \(1 overall\)/);
    expect(lines[1]).toMatch(new RegExp(`${STORM - 1} more connection\\(s\\) refused in the last 5s: connection limit reached \\(1 overall\\)`));
    await server.close();
  });
});
