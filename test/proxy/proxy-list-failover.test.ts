import { join } from 'node:path';
import { statusBody } from '../../src/admin/status';
import { exchange } from '../support/client';
import { waitFor } from '../support/pac-server';
import { freePort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';
import { removeSquidSegments, squidAccessLog, squidDir, squidServiceName, startProxy, supervise, TestProxy, writeSquidConf } from '../support/squid';
import { requireTool } from '../support/tools';
import { startTunnel } from '../support/tunnel';

/** A squid that answers every CONNECT with 403: a policy refusal about the target. */
async function startRefusingSquid(): Promise<{ url: string; accessLog: () => string; stop: () => Promise<void> }> {
  const dir = squidDir();
  const port = await freePort();
  writeSquidConf(dir, port, ['acl loopback src 127.0.0.0/8', 'http_access deny CONNECT', 'http_access allow loopback']);
  const service = squidServiceName();
  const squid = supervise('squid', ['-n', service, '-N', '-f', join(dir, 'squid.conf')], port, 15_000);
  await squid.start();
  const stop = async () => {
    await squid.stop();
    removeSquidSegments(service);
  };
  return { url: `http://127.0.0.1:${port}`, accessLog: squidAccessLog(dir), stop };
}

const haveSquid = requireTool('squid', 'apt-get install -y squid');

describe('a list of proxies: failover before any client byte is sent', () => {
  let server: TestServer;
  let second: TestProxy;
  let deadUrl: string;
  beforeAll(async () => {
    server = await startEchoServer();
    second = await startProxy();
    deadUrl = `http://127.0.0.1:${await freePort()}`;
  });
  afterAll(async () => {
    await second?.stop();
    await server?.close();
  });

  it('the first proxy dead: every connection, bytes sent at once, goes through the second', async () => {
    const tunnel = await startTunnel({ flags: { 'proxy.url': `${deadUrl},${second.url}`, mode: 'proxy', tunnels: [`0:127.0.0.1:${server.port}`] } });
    // The client speaks first and at once: its bytes wait in the connector while the first proxy
    // fails, and reach the server through the second one, none lost.
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => exchange(tunnel.port(), `hello ${i}\n`, { end: true })));
    const records = await tunnel.ended(20);
    const snapshot = tunnel.service.snapshot();
    await tunnel.close();
    expect(results.map((r) => r.received.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `hello ${i}\n`));
    expect(records.every((r) => r.route === 'proxy' && r.outcome === 'ok')).toBe(true);
    // One probe-less failure was enough: the dead one is in back-off, later connections skip it.
    expect(statusBody(snapshot).proxies).toEqual([
      { url: deadUrl, state: 'backoff' },
      { url: second.url, state: 'up' },
    ]);
    if (second.kind === 'squid') await waitFor(() => second.accessLog().match(/CONNECT/g)?.length === 20, '20 CONNECT lines', 5000);
  });

  (haveSquid ? it : it.skip)('the first proxy refuses with 403: no failover to the second, no direct', async () => {
    const refusing = await startRefusingSquid();
    try {
      const before = second.accessLog().match(/CONNECT/g)?.length ?? 0;
      const accepted = server.accepted();
      const tunnel = await startTunnel({ flags: { 'proxy.url': `${refusing.url},${second.url}`, mode: 'auto', tunnels: [`0:127.0.0.1:${server.port}`] } });
      const result = await exchange(tunnel.port(), 'hello');
      const [record] = await tunnel.ended(1);
      await tunnel.close();
      expect(result.received.length).toBe(0);
      expect(record?.outcome).toBe('ERR_PROXY_FORBIDDEN');
      // squid logs a transaction when it ends, a moment after its answer.
      await waitFor(() => refusing.accessLog().includes('TCP_DENIED'), 'the 403 in the access log', 5000);
      expect(second.accessLog().match(/CONNECT/g)?.length ?? 0).toBe(before);
      expect(server.accepted()).toBe(accepted);
    } finally {
      await refusing.stop();
    }
  });

  it('both proxies dead: auto goes direct, proxy mode fails with the last error', async () => {
    const otherDead = `http://127.0.0.1:${await freePort()}`;
    const flags = { 'proxy.url': `${deadUrl},${otherDead}`, tunnels: [`0:127.0.0.1:${server.port}`] };
    const auto = await startTunnel({ flags: { ...flags, mode: 'auto' } });
    const first = await exchange(auto.port(), 'one', { end: true });
    const second2 = await exchange(auto.port(), 'two', { end: true });
    const autoRecords = await auto.ended(2);
    const planned = auto.service.snapshot();
    await auto.close();
    expect(first.received.toString()).toBe('one');
    expect(second2.received.toString()).toBe('two');
    expect(autoRecords.map((r) => r.route)).toEqual(['direct', 'direct']);
    expect(autoRecords[0]?.reason).toMatch(/^fallback: /);
    // The second connection did not wait for either: both are known to be down.
    expect(autoRecords[1]?.reason).toBe(`every proxy down (${deadUrl} backoff, ${otherDead} backoff)`);
    expect(planned.tunnels[0]?.route).toBe('direct');

    const strict = await startTunnel({ flags: { ...flags, mode: 'proxy' } });
    const refused = await exchange(strict.port(), 'three');
    const [record] = await strict.ended(1);
    await strict.close();
    expect(refused.received.length).toBe(0);
    expect(record?.outcome).toBe('ERR_PROXY_CONNECT');
    expect(record?.error?.message).toContain(otherDead.replace('http://', ''));
  });
});
