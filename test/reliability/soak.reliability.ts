import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy, TestProxy } from '../support/squid';
import { Child, fdCount, gcProbe, heapAfterGc, mib, rssBytes, settle, sleep, startChild } from './child';
import { CheckedServer, Mode, Outcome, runConnection, startCheckedServer } from './traffic';

/**
 * Two minutes of mixed, checked traffic (see traffic.ts) through a ptunnel child process in auto
 * mode with a real squid that is killed and restarted every 20 s, so that connections keep
 * switching between the proxy and the direct fallback mid-run.
 *
 * Two tunnels: A (127.0.0.1) takes the proxy when it is up: short exchanges and long streams,
 * both directions at once, no side ending before it has everything (squid tears a tunnel down at
 * the first FIN). B (127.0.0.2, in --no-proxy) always goes direct and carries the half-closes,
 * where one side's FIN precedes the other's data. Nothing on B's path is ever killed, so every
 * connection on B must complete.
 *
 * Memory, two ways, in a child process (the jest worker's own churn, hashing and client sockets,
 * stays out of it). The leak check proper is V8's heap in use right after a full collection,
 * forced through a probe (test/support/gc-probe.js), after the warm-up and after the soak: state
 * that outlives its connection grows it over two minutes and tens of thousands of connections,
 * while garbage not yet collected does not count. RSS (VmRSS) bounds what the heap check cannot
 * see (native buffers, allocator arenas): a Node process grows its heap and arenas to its working
 * set and hands them back slowly, and with ptunnel's small young generation how much of the
 * warm-up's working set is still resident at one instant varies by tens of MiB, so the end,
 * after up to 30 s idle to settle, is held to the warm-up's peak plus 10 %.
 */
const SOAK_MS = 120_000;
const WARMUP_MS = 10_000;
const KILL_EVERY_MS = 20_000;
const OUTAGE_MS = 2_000;
const MAX_CONNECTIONS = 200_000;
const CONNECTION_TIMEOUT_MS = 60_000;
/** Target concurrency, changed every 10 s: 100 to 500 connections open at once. */
const CONCURRENCY = [100, 300, 500, 200, 400, 500, 150, 350, 500, 250, 450, 100];
const WORKERS = 500;

interface Tally {
  count: Record<string, number>;
  failed: Outcome[];
  corrupt: Outcome[];
  hung: Outcome[];
  serverFin: Outcome[];
  byTunnel: Record<'A' | 'B', Record<string, number>>;
}

describe('soak: mixed traffic while the proxy is killed and restarted', () => {
  let proxy: TestProxy;
  let serverA: CheckedServer;
  let serverB: CheckedServer;
  let child: Child;
  const gcOut = join(tmpdir(), `ptunnel-soak-heap-${process.pid}.json`);

  afterAll(async () => {
    await child?.stop();
    await proxy?.stop();
    await serverA?.close();
    await serverB?.close();
  });

  it('never corrupts or silently truncates a stream, logs every connection, and leaks neither memory nor descriptors', async () => {
    proxy = await startProxy();
    serverA = await startCheckedServer('127.0.0.1');
    serverB = await startCheckedServer('127.0.0.2');
    child = await startChild(
      ['--proxy', proxy.url, '--mode', 'auto', '--no-proxy', '127.0.0.2', `0:127.0.0.1:${serverA.port}`, `0:127.0.0.2:${serverB.port}`],
      2,
      { keepLines: false, ...gcProbe(gcOut) },
    );
    const [portA, portB] = child.ports as [number, number];

    // Connection records from ptunnel's log, by client port (ports get reused over the run).
    const records = new Map<number, number>();
    const outcomes: Record<string, number> = {};
    const routes: Record<string, number> = {};
    let recordLines = 0;
    let proxyDownLines = 0;
    const oddLines: string[] = [];
    child.onLine((line) => {
      const m = /(?:connection closed|connection \d+ failed).* client=127\.0\.0\.1:(\d+) /.exec(line);
      if (m) {
        recordLines += 1;
        const port = Number(m[1]);
        records.set(port, (records.get(port) ?? 0) + 1);
        const outcome = /outcome=(\S+)/.exec(line)?.[1] ?? '?';
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        const route = /route=(\S+)/.exec(line)?.[1] ?? 'none';
        routes[route] = (routes[route] ?? 0) + 1;
      } else if (/unreachable; new connections go direct/.test(line)) proxyDownLines += 1;
      else if (/ (ERROR|FATAL) |Uncaught|TypeError|RangeError/.test(line) && oddLines.length < 20) oddLines.push(line);
    });

    let nextId = 1;
    let started = 0;
    let target = 0;
    const tally: Tally = { count: {}, failed: [], corrupt: [], hung: [], serverFin: [], byTunnel: { A: {}, B: {} } };
    const pick = (): { tunnel: 'A' | 'B'; mode: Mode; upSize: number; downSize: number } => {
      const r = Math.random();
      const rand = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
      if (r < 0.72) return { tunnel: 'A', mode: 'exchange', upSize: rand(1, 4096), downSize: rand(1, 16384) };
      if (r < 0.8) return { tunnel: 'A', mode: 'exchange', upSize: rand(0, 2 * 1024 * 1024), downSize: rand(1, 4 * 1024 * 1024) };
      if (r < 0.9) return { tunnel: 'B', mode: 'client-fin', upSize: rand(1, 256 * 1024), downSize: rand(1, 512 * 1024) };
      return { tunnel: 'B', mode: 'server-fin', upSize: rand(1, 256 * 1024), downSize: rand(1, 512 * 1024) };
    };
    const worker = async (index: number, until: number) => {
      while (Date.now() < until && started < MAX_CONNECTIONS) {
        if (index >= target) {
          await sleep(100);
          continue;
        }
        const spec = { ...pick(), id: nextId++ };
        started += 1;
        const server = spec.tunnel === 'A' ? serverA : serverB;
        const outcome = await runConnection(spec.tunnel === 'A' ? portA : portB, server.ledger, spec, CONNECTION_TIMEOUT_MS);
        tally.count[outcome.status] = (tally.count[outcome.status] ?? 0) + 1;
        const t = tally.byTunnel[spec.tunnel];
        t[outcome.status] = (t[outcome.status] ?? 0) + 1;
        if (outcome.status === 'failed') tally.failed.push(outcome);
        if (outcome.status === 'corrupt') tally.corrupt.push(outcome);
        if (outcome.status === 'hung') tally.hung.push(outcome);
        if (outcome.status === 'ok' && spec.mode === 'server-fin') tally.serverFin.push(outcome);
      }
    };
    const traffic = async (ms: number, schedule: (elapsed: number) => number) => {
      const t0 = Date.now();
      const until = t0 + ms;
      const timer = setInterval(() => (target = schedule(Date.now() - t0)), 200);
      target = schedule(0);
      await Promise.all(Array.from({ length: WORKERS }, (_, i) => worker(i, until)));
      clearInterval(timer);
    };

    // Warm-up with the proxy up, at the top concurrency; then the baseline, once idle.
    const idleRss = rssBytes(child.pid);
    const idleFds = fdCount(child.pid);
    let warmupPeakRss = 0;
    const warmupSampler = setInterval(() => (warmupPeakRss = Math.max(warmupPeakRss, rssBytes(child.pid))), 500);
    await traffic(WARMUP_MS, () => 500);
    clearInterval(warmupSampler);
    const warmupConnections = started;
    await sleep(5000);
    const baseHeap = await heapAfterGc(child, gcOut);
    const baseRss = rssBytes(child.pid);
    const baseFds = fdCount(child.pid);
    const rssBound = Math.max(baseRss, warmupPeakRss) * 1.1;

    // The soak, with the proxy killed every 20 s and restarted 2 s later.
    const soakStart = Date.now();
    let kills = 0;
    const chaos = (async () => {
      for (let at = KILL_EVERY_MS; at < SOAK_MS - OUTAGE_MS; at += KILL_EVERY_MS) {
        await sleep(soakStart + at - Date.now());
        await proxy.kill();
        kills += 1;
        await sleep(OUTAGE_MS);
        await proxy.restart();
      }
    })();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssBytes(child.pid))), 500);
    await traffic(SOAK_MS, (elapsed) => CONCURRENCY[Math.floor(elapsed / 10_000) % CONCURRENCY.length] as number);
    clearInterval(sampler);
    await chaos;
    const soakSeconds = (Date.now() - soakStart) / 1000;

    // Every connection has ended on the client; wait for ptunnel's records and descriptors.
    await settle(() => recordLines >= started, 10_000);
    await sleep(1000);
    const fdsSettled = await settle(() => fdCount(child.pid) <= baseFds, 15_000);
    const endFds = fdCount(child.pid);
    const endHeap = await heapAfterGc(child, gcOut);
    const memSettled = await settle(() => rssBytes(child.pid) <= rssBound, 30_000, 1000);
    const endRss = rssBytes(child.pid);

    // server-fin uploads went after the server's FIN: the server's ledger must match them.
    for (const o of tally.serverFin) {
      const seen = serverB.ledger.get(o.id);
      if (!seen || seen.upHash !== o.upHash || seen.overflow) {
        tally.corrupt.push({ ...o, status: 'corrupt', detail: `client finished its upload (${o.upHash}) but the server got ${seen?.upBytes ?? 0} bytes, sha256 ${seen?.upHash}` });
      }
    }
    const unlogged = tally.failed.filter((o) => !records.has(o.localPort));

    const summary = {
      soakSeconds,
      connections: { warmup: warmupConnections, soak: started - warmupConnections, total: started },
      client: tally.count,
      byTunnel: tally.byTunnel,
      proxyKills: kills,
      ptunnelRecords: { lines: recordLines, outcomes, routes, proxyDownLines },
      failures: tally.failed.slice(0, 5).map((o) => `${o.mode} ${o.upSize}/${o.downSize}: ${o.detail}`),
      memory: {
        idle: mib(idleRss),
        warmupPeak: mib(warmupPeakRss),
        baseline: mib(baseRss),
        peak: mib(peakRss),
        end: mib(endRss),
        settled: memSettled,
        heapAfterGc: { baseline: mib(baseHeap), end: mib(endHeap) },
      },
      fds: { idle: idleFds, baseline: baseFds, end: endFds, settled: fdsSettled },
    };
    console.log(`soak summary\n${JSON.stringify(summary, null, 2)}`);

    expect(child.running()).toBe(true);
    expect(oddLines).toEqual([]);
    // No stream that ran to its end was corrupted or short; nothing hung.
    expect(tally.corrupt.map((o) => `${o.id} ${o.mode}: ${o.detail}`)).toEqual([]);
    expect(tally.hung.map((o) => `${o.id} ${o.mode}: ${o.detail}`)).toEqual([]);
    expect(serverA.badHeaders() + serverB.badHeaders()).toBe(0);
    // The direct half-close tunnel has nothing that dies on its path: every connection completes.
    expect(tally.byTunnel.B.failed ?? 0).toBe(0);
    // The run did what it says: lots of traffic, both routes used, the proxy really went away.
    expect(tally.count.ok ?? 0).toBeGreaterThan(5000);
    expect(kills).toBe(5);
    expect(routes.proxy ?? 0).toBeGreaterThan(1000);
    expect(routes.direct ?? 0).toBeGreaterThan(1000);
    expect(proxyDownLines).toBeGreaterThanOrEqual(1);
    // Every connection got its record, and every failed one can be found in the log.
    expect(recordLines).toBe(started);
    expect(unlogged.map((o) => `${o.localPort} ${o.detail}`)).toEqual([]);
    // No leak.
    expect(endFds).toBeLessThanOrEqual(baseFds);
    // A leak of even 100 bytes per connection would add several MiB here; 1 MiB covers caches that fill once.
    expect(endHeap).toBeLessThanOrEqual(baseHeap * 1.1 + 1024 * 1024);
    expect(endRss).toBeLessThanOrEqual(rssBound);
  });
});
