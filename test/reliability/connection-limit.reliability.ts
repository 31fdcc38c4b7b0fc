import net from 'node:net';
import { connect, startEchoServer, TestServer } from '../support/servers';
import { Child, echoes, fdCount, settle, sleep, startChild } from './child';

const LIMIT = 100;

/** Resolves how a connection over the limit ended: 'reset', 'closed' or 'data' (not refused). */
function attempt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      resolve('hung');
      s.destroy();
    }, 5000);
    const done = (how: string) => {
      clearTimeout(timer);
      resolve(how);
      s.destroy();
    };
    s.on('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`));
    s.on('data', () => done('data'));
    s.on('close', () => done('closed'));
    s.write('ping');
  });
}

describe('--max-connections with idle clients holding every slot', () => {
  let server: TestServer;
  let child: Child;
  afterAll(async () => {
    await child?.stop();
    await server?.close();
  });

  it('holds the limit, resets the others at once, and serves again when the idle ones leave', async () => {
    server = await startEchoServer();
    child = await startChild(['--mode', 'direct', '--max-connections', String(LIMIT), `0:127.0.0.1:${server.port}`], 1);
    const port = child.ports[0] as number;
    const baseFds = fdCount(child.pid);

    // Idle clients: connected, silent. ptunnel opens each one's upstream at once.
    const idle = await Promise.all(Array.from({ length: LIMIT }, () => connect(port)));
    expect(await settle(() => server.accepted() === LIMIT, 10_000)).toBe(true);

    const over = await Promise.all(Array.from({ length: 50 }, () => attempt(port)));
    expect(over.filter((h) => h !== 'reset')).toEqual([]);
    // The limit held: nothing more reached the server.
    await sleep(200);
    expect(server.accepted()).toBe(LIMIT);
    // The first refusal has its own line, the other 49 one summary line when the interval ends.
    const refusedLines = () => child.lines.filter((l) => /connection refused: connection limit reached \(100 overall\)/.test(l)).length;
    const summary = () => child.lines.some((l) => /49 more connection\(s\) refused in the last 5s: connection limit reached \(100 overall\)/.test(l));
    expect(await settle(summary, 8000)).toBe(true);
    expect(refusedLines()).toBe(1);

    // The held connections still work.
    const alive = await Promise.all(idle.slice(0, 10).map((s, i) => echoes(s, `still here ${i}`)));
    expect(alive.every(Boolean)).toBe(true);

    // They leave; the slots come back, and so do the descriptors.
    for (const s of idle) s.destroy();
    expect(await settle(() => fdCount(child.pid) <= baseFds, 10_000)).toBe(true);
    const again = await Promise.all(Array.from({ length: LIMIT }, () => connect(port)));
    const served = await Promise.all(again.map((s, i) => echoes(s, `again ${i}`)));
    expect(served.filter((ok) => !ok)).toHaveLength(0);
    expect(await attempt(port)).toBe('reset');
    for (const s of again) s.destroy();
    expect(await settle(() => fdCount(child.pid) <= baseFds, 10_000)).toBe(true);
    expect(child.running()).toBe(true);
  });
});
