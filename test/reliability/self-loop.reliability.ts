import net from 'node:net';
import { freePort } from '../support/ports';
import { startProxy, TestProxy } from '../support/squid';
import { Child, fdCount, settle, sleep, startChild } from './child';

/**
 * The hosts-file trick meeting a local proxy that reads the same hosts file: squid resolves
 * echo.test to 127.0.0.1, and the tunnel's local port is the target port, so squid's CONNECT
 * lands on ptunnel's own listener. Without a guard one client connection chains
 * ptunnel -> squid -> ptunnel without end (issue 11 measured 11,287 hops and 9,287 fds in 10 s).
 * ptunnel must see that the accepted connection comes from one of its own proxy connections,
 * refuse it with a log line that names the loop, and stay at its baseline.
 */
describe('self-loop through a local proxy that maps the target to loopback', () => {
  let proxy: TestProxy;
  let child: Child;
  afterAll(async () => {
    await child?.stop();
    await proxy?.stop();
  });

  it('refuses the looped connection instead of multiplying it', async () => {
    proxy = await startProxy({ hosts: { 'echo.test': '127.0.0.1' } });
    expect(proxy.kind).toBe('squid');
    const port = await freePort();
    child = await startChild(['-p', `127.0.0.1:${proxy.port}`, '--mode', 'proxy', `127.0.0.1:${port}:echo.test:${port}`], 1);
    const base = fdCount(child.pid);

    const client = net.connect(port, '127.0.0.1');
    const ended = new Promise<string>((resolve) => {
      client.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      client.on('close', () => resolve('closed'));
    });
    client.write('hello\n');
    // Without a guard, the chain grows by hundreds of connections a second.
    await sleep(3000);
    const peak = fdCount(child.pid);
    expect(peak - base).toBeLessThan(20);
    expect(await Promise.race([ended, sleep(5000).then(() => 'still open')])).not.toBe('still open');
    const loopLines = child.lines.filter((l) => /loop/i.test(l) && /refus/i.test(l));
    console.log(`self-loop: fds grew by ${peak - base} in 3 s from one client connection; ${loopLines.length} loop line(s): ${loopLines[0] ?? ''}`);
    expect(loopLines.length).toBeGreaterThanOrEqual(1);
    expect(loopLines.length).toBeLessThan(5);
    expect(await settle(() => fdCount(child.pid) <= base, 10_000)).toBe(true);
    expect(child.running()).toBe(true);
    client.destroy();
  });
});
