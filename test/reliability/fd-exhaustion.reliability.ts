import { readFileSync } from 'node:fs';
import net from 'node:net';
import { startEchoServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { Child, echoes, fdCount, settle, sleep, startChild } from './child';

const FD_LIMIT = 64;

interface Held {
  socket: net.Socket;
  ok: boolean;
  how: string;
}

/** Connects and waits for its echo: 'ok', or how it was turned away ('reset', 'closed', 'hung'). */
function open(port: number, text: string): Promise<Held> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    let settled = false;
    const done = (ok: boolean, how: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!ok) socket.destroy();
      resolve({ socket, ok, how });
    };
    const timer = setTimeout(() => done(false, 'hung'), 5000);
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === text) done(true, 'ok');
    });
    socket.on('error', (e: NodeJS.ErrnoException) => done(false, e.code === 'ECONNRESET' ? 'reset' : `error ${e.code}`));
    socket.on('close', () => done(false, 'closed'));
    socket.write(text);
  });
}

const tally = (xs: Held[]) => xs.reduce<Record<string, number>>((t, h) => ({ ...t, [h.how]: (t[h.how] ?? 0) + 1 }), {});

/**
 * ptunnel under `ulimit -n 64`: each tunnelled connection takes two descriptors, so a few dozen
 * connections exhaust them. New ones must then be turned away cleanly (a reset or a close, not a
 * hang, not a crash), with a log line; the established ones keep working; once descriptors are
 * free, service is back. (When accept() itself meets EMFILE, libuv accepts and closes the pending
 * connections with a descriptor it keeps in reserve, so those clients see a close too.)
 * Run direct, and in auto mode through squid (squid is not under the limit): there it is the
 * proxy connection that meets EMFILE.
 */
describe(`descriptor exhaustion (ulimit -n ${FD_LIMIT})`, () => {
  let server: TestServer;
  let proxy: TestProxy | undefined;
  let current: Child | undefined;
  beforeAll(async () => {
    server = await startEchoServer();
  });
  afterEach(async () => {
    await current?.stop();
    await proxy?.stop();
    current = undefined;
    proxy = undefined;
  });
  afterAll(() => server.close());

  it.each(['direct', 'auto'])('%s: turns new connections away cleanly, keeps the old ones, logs it, and recovers', async (mode) => {
    if (mode === 'auto') proxy = await startProxy();
    const child = await startChild(
      // No connection limit, so that the descriptors do run out (the default limit keeps them from it).
      ['--mode', mode, '--max-connections', '0', ...(proxy ? ['--proxy', proxy.url] : []), `0:127.0.0.1:${server.port}`],
      1,
      { fdLimit: FD_LIMIT },
    );
    current = child;
    const port = child.ports[0] as number;
    expect(Number(/^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/limits`, 'utf8'))?.[1])).toBe(FD_LIMIT);
    const baseFds = fdCount(child.pid);

    // One at a time until one is turned away: that is the capacity.
    const held: Held[] = [];
    let turnedAway: Held | undefined;
    for (let i = 0; i < FD_LIMIT && !turnedAway; i++) {
      const h = await open(port, `hold ${i}`);
      if (h.ok) held.push(h);
      else turnedAway = h;
    }
    expect(turnedAway?.how).toMatch(/^(reset|closed)$/);
    const capacity = held.length;
    expect(capacity).toBeGreaterThanOrEqual(10);
    expect(fdCount(child.pid)).toBeGreaterThanOrEqual(FD_LIMIT - 2);

    // A burst of newcomers while full: every one is turned away cleanly, none hangs.
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => open(port, `burst ${i}`)));
    expect(tally(burst)).toEqual(expect.not.objectContaining({ hung: expect.anything() }));
    expect(burst.filter((h) => !/^(reset|closed)$/.test(h.how) && !h.ok).map((h) => h.how)).toEqual([]);
    for (const h of burst) if (h.ok) held.push(h);

    // ptunnel is alive, said why, and the established connections still work.
    expect(child.running()).toBe(true);
    expect(child.lines.filter((l) => /EMFILE/.test(l)).length).toBeGreaterThanOrEqual(1);
    const stillOk = await Promise.all(held.map((h, i) => echoes(h.socket, `still ${i}`)));
    expect(stillOk.filter((ok) => !ok)).toHaveLength(0);

    // Free the descriptors: the same number of connections works again.
    for (const h of held) h.socket.destroy();
    expect(await settle(() => fdCount(child.pid) <= baseFds, 10_000)).toBe(true);
    await sleep(200);
    const again: Held[] = [];
    for (let i = 0; i < capacity; i++) again.push(await open(port, `again ${i}`));
    expect(tally(again)).toEqual({ ok: capacity });
    for (const h of again) h.socket.destroy();
    expect(await settle(() => fdCount(child.pid) <= baseFds, 10_000)).toBe(true);
    console.log(
      `descriptor exhaustion (${mode}): ${baseFds} fds at idle, ${capacity} connections fit under ulimit -n ${FD_LIMIT}; ` +
        `burst of 100 while full: ${JSON.stringify(tally(burst))}; ${child.lines.filter((l) => /EMFILE/.test(l)).length} EMFILE log lines; ` +
        `${child.lines.filter((l) => /unreachable; new connections go direct/.test(l)).length} "proxy unreachable" lines`,
    );
    expect(child.running()).toBe(true);
  });
});
