import http from 'node:http';
import net from 'node:net';
import { freePort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { Child, sleep, startChild } from './child';

const FD_LIMIT = 300;
const CONNECTIONS = 300;

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, body: e.message }));
  });
}

interface Held {
  socket: net.Socket;
  how: 'served' | 'ended';
}

/** Opens an idle connection and sends one line: 'served' once it echoes, 'ended' if ptunnel closes or resets it. */
function open(port: number, text: string): Promise<Held> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (how: Held['how']) => {
      clearTimeout(timer);
      resolve({ socket, how });
    };
    const timer = setTimeout(() => done('ended'), 10_000);
    socket.on('data', (d: Buffer) => {
      got += d.toString();
      if (got === text) done('served');
    });
    socket.on('error', () => done('ended'));
    socket.on('close', () => done('ended'));
    socket.write(text);
  });
}

/**
 * ptunnel under a descriptor limit of 300 with the admin server on, and 300 idle tunnelled
 * connections: each one is either served or refused with a counted refusal (none is closed
 * without a trace, as libuv's EMFILE trick does), and /readyz still answers while they are held.
 */
describe.each(['direct', 'through squid'] as const)(`descriptor exhaustion with the admin server (ulimit -n ${FD_LIMIT}), %s`, (route) => {
  let server: TestServer;
  let proxy: TestProxy | undefined;
  let child: Child | undefined;
  afterAll(async () => {
    await child?.stop();
    await proxy?.stop();
    await server?.close();
  });

  it('serves or counts every connection and keeps /readyz answering', async () => {
    server = await startEchoServer();
    const admin = await freePort();
    // squid is not under the limit: through it, it is ptunnel's connections to the proxy that use up descriptors.
    proxy = route === 'direct' ? undefined : await startProxy();
    const via = proxy ? ['-p', `127.0.0.1:${proxy.port}`, '--mode', 'proxy'] : ['--mode', 'direct'];
    child = await startChild([...via, '--admin', `127.0.0.1:${admin}`, `0:127.0.0.1:${server.port}`], 1, { fdLimit: FD_LIMIT });
    const port = child.ports[0] as number;

    const held: Held[] = [];
    // In small batches, as clients of a busy tunnel arrive; each one waits for its answer.
    for (let i = 0; i < CONNECTIONS; i += 20) {
      held.push(...(await Promise.all(Array.from({ length: Math.min(20, CONNECTIONS - i) }, (_, j) => open(port, `idle ${i + j}\n`)))));
    }
    await sleep(200);
    const served = held.filter((h) => h.how === 'served' && !h.socket.destroyed).length;
    const ready = await get(admin, '/readyz');
    const metrics = await get(admin, '/metrics');
    const rejected = [...metrics.body.matchAll(/^ptunnel_connections_rejected_total\{[^}]*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    console.log(
      `fd exhaustion with admin, ${route} (ulimit -n ${FD_LIMIT}, ${CONNECTIONS} idle): served ${served}, counted refusals ${rejected}, ` +
        `silent ${CONNECTIONS - served - rejected}; /readyz ${ready.status || ready.body}; ` +
        `${child.lines.filter((l) => /refused/.test(l)).length} refusal log lines: ${child.lines.filter((l) => /refused/.test(l)).slice(0, 3).join(" | ")}`,
    );
    expect(ready.status).toBe(200);
    expect(served + rejected).toBe(CONNECTIONS);
    expect(child.lines.filter((l) => /refused/.test(l)).length).toBeGreaterThanOrEqual(1);
    // Every refusal is the limit's: a busy machine reuses ephemeral ports, and none may pass for a loop.
    expect(child.lines.filter((l) => /self-loop/.test(l))).toEqual([]);
    expect(child.running()).toBe(true);
    for (const h of held) h.socket.destroy();
  });
});
