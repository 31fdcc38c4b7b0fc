#!/usr/bin/env node
'use strict';
// ptunnel benchmark (issues 2 and 7). Start it with `bash bench/run.sh` (npm run bench), which
// raises the descriptor limit and runs this inside a private network namespace where only
// loopback exists. See bench/ANALYSIS.md and the README's Performance section.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseArgs } = require('node:util');
const proc = require('./lib/proc');
const { freePort, waitPort, pageRequest, openIdle, probeIdle, setupLatency } = require('./lib/net');
const { startSquid, startNginx } = require('./lib/servers');
const { startAuthProxies, stopAuthProxies } = require('./lib/auth-proxies');
const socksBench = require('./lib/socks-bench');
const { findTools, versions, machine, parseAb, parseWrk } = require('./lib/tools');
const { median, percentile, stat, render, targets, fmt, mib } = require('./lib/report');

const ROOT = path.resolve(__dirname, '..');
const HELP = `Usage: npm run bench -- [--quick] [--only a,b] [--reps N] [--out FILE] [--no-write] [--keep-tmp]

Starts squid and nginx on loopback and measures, in one run: ab -> nginx (floor), squid as an
HTTP proxy, ptunnel, socat PROXY: (default backlog and backlog=511), proxytunnel -a and a naive
Node tunnel (baseline). Every figure is measured --reps times per path, the paths alternated
(the order rotates each repetition), and reported as the median with its min-max spread; a
spread over 25 % of the median is flagged. Prints a markdown table and writes BENCHMARKS.md
(full runs only, unless --out is given).

  --quick        smoke test: small n, 64 MiB download, 3 s wrk, 1000 idle connections, 3 reps
  --only LIST    quick A/B: only these tunnels (ptunnel,base,prewarm,image,socat,socat511,proxytunnel,
                 naive, and the set-up-only rows basic,basicPrewarm,ntlm,ntlmPrewarm,negotiate,
                 negotiatePrewarm,curlBasic,curlNtlm,curlNegotiate, or "auth" for all of those;
                 the SOCKS5 rows socksIp,socksName,socksSquid,socksMap,socksMapSquid,microsocks,
                 dante, or "socks" for all of those)
                 plus the machine's floor (ab -> nginx, squid with ab -X), a small profile
                 (ab -n 500, 256 MiB download and 1 s wrk through the tunnels
                 only, no idle test unless --idle); about a
                 minute for two tunnels at --reps 9
  --paths LIST   only these paths, exactly (floor and squid only if listed), full profile
  --reps N       repetitions per path for every figure (default 5; the targets want >= 5)
  --idle         with --only: run the idle-connections test too
  --baseline JS  also measure this build of ptunnel (a dist/main.js, e.g. from a checkout of main),
                 as path "base", alternated with the current one: the A/B of a change
  --prewarm N    N for the --prewarm paths (prewarm, basicPrewarm, ntlmPrewarm,
                 negotiatePrewarm; default 2; 0 leaves them out)
  --out FILE     write the report here (default: BENCHMARKS.md for a full run, none otherwise)
  --no-write     print only
  --keep-tmp     keep the temp dir (configs, logs)
  --ab-n N, --ab-runs N        override ab's request count and run count (for profiling)
  --ptunnel-node-args="ARGS"   extra node flags for ptunnel (and prewarm), e.g. ="--cpu-prof --cpu-prof-dir=/tmp/prof"
  --base-node-args="ARGS"      node flags for the --baseline build; with --baseline dist/main.js this
                               is the A/B of a V8 setting: same build, two sets of flags
`;

let opt;
try {
  ({ values: opt } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    paths: { type: 'string' },
    only: { type: 'string' },
    reps: { type: 'string' },
    idle: { type: 'boolean', default: false },
    baseline: { type: 'string' },
    prewarm: { type: 'string' },
    'keep-tmp': { type: 'boolean', default: false },
    'ptunnel-node-args': { type: 'string', default: '' },
    'base-node-args': { type: 'string', default: '' },
    'ab-n': { type: 'string' },
    'ab-runs': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  }));
} catch (err) {
  process.stderr.write(`bench: ${err.message}\n${HELP}`);
  process.exit(2);
}
if (opt.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

const abMode = opt.only !== undefined;
const profile = opt.quick ? 'quick' : abMode ? 'ab' : 'full';
const params = {
  quick: { abN: 200, abC: 5, reps: 3, bigSize: 64 * 2 ** 20, bigLabel: '64 MiB', wrkSecs: 3, wrkConns: 200, wrkThreads: 2, idleCount: 1000, idleBatch: 250, setupCount: 50, startups: 5, idle: true },
  ab: { abN: 500, abC: 5, reps: 5, bigSize: 256 * 2 ** 20, bigLabel: '256 MiB', wrkSecs: 1, wrkConns: 200, wrkThreads: 2, idleCount: 10_000, idleBatch: 500, setupCount: 100, startups: 11, idle: opt.idle },
  full: { abN: 1000, abC: 5, reps: 5, bigSize: 2 ** 30, bigLabel: '1 GiB', wrkSecs: 10, wrkConns: 200, wrkThreads: 2, idleCount: 10_000, idleBatch: 500, setupCount: 500, startups: 11, idle: true },
}[profile];
params.profile = profile;
if (opt.reps) params.reps = Number(opt.reps);
if (opt['ab-runs']) params.reps = Number(opt['ab-runs']);
if (opt['ab-n']) params.abN = Number(opt['ab-n']);
if (!Number.isInteger(params.reps) || params.reps < 1) {
  process.stderr.write(`bench: --reps wants a whole number >= 1\n${HELP}`);
  process.exit(2);
}
params.prewarm = opt.prewarm !== undefined ? Number(opt.prewarm) : 2;

const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

let tmp;
let authProxies = { notes: [] };
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  await proc.stopAll();
  await stopAuthProxies(authProxies);
  if (tmp && !opt['keep-tmp']) fs.rmSync(tmp, { recursive: true, force: true });
  else if (tmp) log(`temp dir kept: ${tmp}`);
}
process.on('exit', () => {
  proc.killAllSync();
  if (tmp && !opt['keep-tmp']) fs.rmSync(tmp, { recursive: true, force: true });
});
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    log(`${sig}: stopping everything`);
    cleanup().finally(() => process.exit(130));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * ptunnel's "connection N failed: WHY" warnings in its JSON log, counted by WHY; {} for a tunnel
 * without such a log (the naive tunnel, socat).
 */
function connectionFailures(logFile) {
  const counts = {};
  let text = '';
  try {
    text = logFile ? fs.readFileSync(logFile, 'utf8') : '';
  } catch {
    return counts;
  }
  for (const line of text.split('\n')) {
    if (!line.includes(' failed: ')) continue;
    let rec;
    try {
      rec = JSON.parse(line);
    } catch {
      continue;
    }
    const m = /^connection \d+ failed: (.*)$/.exec(rec.msg ?? '');
    if (m) counts[m[1]] = (counts[m[1]] ?? 0) + 1;
  }
  return counts;
}

/**
 * A process's status once its RSS has stopped moving: sampled each second from 10 s on (V8's memory
 * reducer starts about 8 s after allocation has calmed down) until three samples in a row are
 * within 256 KiB of each other, for at most 30 s; `seconds` is how long that took.
 */
async function settledStatus(pid) {
  const t0 = Date.now();
  await sleep(10_000);
  const samples = [proc.readStatus(pid)];
  while (Date.now() - t0 < 30_000) {
    await sleep(1000);
    samples.push(proc.readStatus(pid));
    const last = samples.slice(-3).map((x) => x.rss);
    if (last.length === 3 && Math.max(...last) - Math.min(...last) <= 256 * 1024) break;
  }
  return { ...samples[samples.length - 1], seconds: (Date.now() - t0) / 1000 };
}

/** Counts by reason as "N why, ..." ('' for none). */
function countsText(counts) {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([why, n]) => `${n} ${why}`)
    .join(', ');
}

/** What failed between two counts of connectionFailures, by reason. */
function newFailures(before, after) {
  return Object.fromEntries(Object.entries(after).map(([why, n]) => [why, n - (before[why] ?? 0)]));
}

async function main() {
  const { found, fatal } = findTools();
  if (fatal.length > 0) throw new Error(`required tools missing: ${fatal.join(', ')}`);
  const cli = path.join(ROOT, 'dist', 'main.js');
  if (!fs.existsSync(cli)) throw new Error('dist/main.js is missing: run `npm run build` first');
  const newestSrc = newestMtime(path.join(ROOT, 'src'));
  if (newestSrc > fs.statSync(cli).mtimeMs) log('warning: src/ is newer than dist/main.js; run `npm run build` to measure the current code');
  const isolated = process.env.PTUNNEL_BENCH_NETNS === '1';
  log(isolated ? 'running in a private network namespace (loopback only)' : 'running in the host network namespace');
  const nofile = Number(require('node:child_process').execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim());
  // A tunnel holds two descriptors per connection: 10,000 idle connections need > 20,000. So does
  // squid at the other end, under the same hard limit, and squid stops accepting while fewer than
  // 100 of its own are free (its RESERVED_FD), besides what it keeps open for itself (logs,
  // listeners, idle connections to nginx, the warm tunnels of the --prewarm row). Connections past
  // that wait in squid's accept queue until one of its descriptors closes, and a tunnel with a
  // connect timeout (ptunnel's 10 s) gives them up: full runs at 9,900 lost 15-51 of ptunnel's.
  params.idleWanted = params.idleCount;
  const SQUID_HEADROOM = 600;
  const fit = Math.floor((nofile - 200 - SQUID_HEADROOM) / 2 / 100) * 100;
  if (fit < params.idleCount) {
    params.idleCount = fit;
    log(`ulimit -n is ${nofile} (hard limit; raising it needs CAP_SYS_RESOURCE): idle test holds ${fit} connections, not ${params.idleWanted}, and extrapolates`);
  }

  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ptunnel-bench-'));
  fs.chmodSync(tmp, 0o755);

  const imageEnv = imageMallocEnv();
  const all = [
    { key: 'floor', label: 'ab -> nginx (floor)', kind: 'direct' },
    { key: 'squid', label: 'squid as HTTP proxy (ab -X)', kind: 'httpproxy' },
    { key: 'ptunnel', label: 'ptunnel', kind: 'tunnel', singleProcess: true, idleTest: true },
    { key: 'base', label: 'ptunnel (baseline build)', kind: 'tunnel', singleProcess: true, idleTest: true, needs: 'baseline' },
    { key: 'prewarm', label: `ptunnel --prewarm ${params.prewarm}`, kind: 'tunnel', singleProcess: true, needs: 'prewarm', warm: true },
    // The same program with the environment the image sets for its Node (Dockerfile's ENV).
    ...(imageEnv ? [{ key: 'image', label: `ptunnel, the image's ${Object.entries(imageEnv).map(([k, v]) => `${k}=${v}`).join(' ')}`, kind: 'tunnel', singleProcess: true, env: imageEnv }] : []),
    // Set-up latency through squids that authenticate: Basic (basic_fake_auth), NTLM (Samba's
    // ntlm_auth + winbindd) and Negotiate (MIT KDC + negotiate_kerberos_auth), the last two the
    // test suite's own proxies (bench/lib/auth-proxies.js). curl through the same squid is the
    // peer: it shows how much of each scheme's cost is the proxy's helpers rather than ptunnel.
    // `--only auth` selects all of these.
    { key: 'basic', label: 'ptunnel, Basic', kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'Basic' },
    { key: 'basicPrewarm', label: `ptunnel, Basic, --prewarm ${params.prewarm}`, kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'Basic', needs: 'prewarm', warm: true },
    { key: 'ntlm', label: 'ptunnel, NTLM', kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'NTLM' },
    { key: 'ntlmPrewarm', label: `ptunnel, NTLM, --prewarm ${params.prewarm}`, kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'NTLM', needs: 'prewarm', warm: true },
    { key: 'negotiate', label: 'ptunnel, Negotiate', kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'Negotiate' },
    { key: 'negotiatePrewarm', label: `ptunnel, Negotiate, --prewarm ${params.prewarm}`, kind: 'tunnel', singleProcess: true, setupOnly: true, auth: 'Negotiate', needs: 'prewarm', warm: true },
    { key: 'curlBasic', label: 'curl -p --proxy-basic', kind: 'curl', setupOnly: true, auth: 'Basic' },
    { key: 'curlNtlm', label: 'curl -p --proxy-ntlm', kind: 'curl', setupOnly: true, auth: 'NTLM' },
    { key: 'curlNegotiate', label: 'curl -p --proxy-negotiate', kind: 'curl', setupOnly: true, auth: 'Negotiate' },
    { key: 'socat', label: 'socat PROXY: (default backlog)', kind: 'tunnel', tool: 'socat', multiProcess: true },
    { key: 'socat511', label: 'socat PROXY: backlog=511', kind: 'tunnel', tool: 'socat', multiProcess: true },
    { key: 'proxytunnel', label: 'proxytunnel -a', kind: 'tunnel', tool: 'proxytunnel', multiProcess: true },
    { key: 'naive', label: 'naive Node tunnel (baseline)', kind: 'tunnel', singleProcess: true, idleTest: true },
  ];
  const socksKeys = socksBench.ROWS.map((r) => r.key);
  const known = new Set([...all.map((p) => p.key), ...socksKeys]);
  const authKeys = all.filter((p) => p.auth).map((p) => p.key);
  const groups = { auth: authKeys, socks: socksKeys };
  const listed = (opt.only ?? opt.paths)?.split(',').filter(Boolean).flatMap((k) => groups[k] ?? [k]) ?? null;
  for (const k of listed ?? []) if (!known.has(k)) throw new Error(`unknown path "${k}" (known: ${[...known].join(', ')})`);
  // The quick A/B always carries the machine's floor: a tunnel's figure means little without it.
  const only = listed ? new Set(abMode ? ['floor', 'squid', ...listed] : listed) : null;
  // The SOCKS rows are measured in a phase of their own (bench/lib/socks-bench.js): ab and wrk
  // cannot speak SOCKS5.
  const socksRows = socksBench.ROWS.filter((r) => !only || only.has(r.key)).map((r) => ({ ...r }));
  const notes = [];
  const baselineCli = opt.baseline ? path.resolve(opt.baseline) : null;
  if (baselineCli && !fs.existsSync(baselineCli)) throw new Error(`--baseline ${baselineCli}: no such file`);
  const paths = all.filter((p) => {
    if (p.needs === 'baseline' && !baselineCli) return false;
    if (p.needs === 'prewarm' && !(params.prewarm > 0 && (!only || only.has(p.key)))) return false;
    if (only && !only.has(p.key)) return false;
    if (p.tool && !found[p.tool]) {
      notes.push(`${p.label}: skipped, ${p.tool} is not installed.`);
      return false;
    }
    if (p.key === 'proxytunnel' && !isolated && process.env.PTUNNEL_BENCH_ALLOW_WILDCARD !== '1') {
      notes.push('proxytunnel: skipped, it can only listen on 0.0.0.0 and no private network namespace was available (set PTUNNEL_BENCH_ALLOW_WILDCARD=1 to run it anyway).');
      return false;
    }
    return true;
  });
  if (paths.some((p) => p.warm) && !prewarmSupported(cli)) {
    notes.push(`ptunnel --prewarm: skipped, this build has no --prewarm flag.`);
    for (let i = paths.length - 1; i >= 0; i -= 1) if (paths[i].warm) paths.splice(i, 1);
  }
  const basicPort = paths.some((p) => p.auth === 'Basic') ? await freePort() : null;
  authProxies = await startAuthProxies({ tmp, want: new Set(paths.map((p) => p.auth).filter((a) => a === 'NTLM' || a === 'Negotiate')) });
  notes.push(...authProxies.notes);
  for (let i = paths.length - 1; i >= 0; i -= 1) if ((paths[i].auth === 'NTLM' || paths[i].auth === 'Negotiate') && !authProxies[paths[i].auth]) paths.splice(i, 1);
  for (const a of ['NTLM', 'Negotiate']) if (authProxies[a]) log(`${a} squid on ${authProxies[a].url} (set up in ${authProxies[a].setupMs} ms)`);

  // Ports: one nginx port per path (tells paths apart in the logs), one local port per tunnel.
  const squidPort = await freePort();
  for (const p of paths) {
    p.nginxPort = await freePort();
    if (p.kind === 'tunnel') p.port = await freePort();
    else if (p.kind === 'direct') p.port = p.nginxPort;
    else if (p.kind === 'curl') p.port = null;
    else p.port = squidPort;
    p.opened = 0; // client connections opened through this path: lower bound for the squid log
  }
  for (const r of socksRows) r.nginxPort = await freePort();
  const nginx = await startNginx({ bin: found.nginx, dir: tmp, ports: [...paths, ...socksRows].map((p) => p.nginxPort), bigSize: params.bigSize });
  const squid = await startSquid({ bin: found.squid, dir: tmp, port: squidPort, hosts: { [socksBench.NAME]: '127.0.0.1' } });
  const basicSquid = basicPort ? await startSquid({ bin: found.squid, dir: tmp, port: basicPort, basicAuth: true, name: 'squid-basic' }) : null;
  log(`nginx on ${paths.map((p) => p.nginxPort).join(',')}, squid on ${squidPort}, temp dir ${tmp}`);

  const nodeArgs = opt['ptunnel-node-args'].split(/\s+/).filter(Boolean);
  // The command line of a tunnel path, listening on `port` and carrying to `target`.
  const tunnelCommand = (p, port, target) => {
    const ap = authProxies[p.auth];
    const proxyUrl = ap ? ap.url : p.auth === 'Basic' ? `http://bench:bench@127.0.0.1:${basicPort}` : `127.0.0.1:${squidPort}`;
    // Warnings only (a failed connection's line, nothing on the happy path), as JSON: the idle test
    // reads from them why ptunnel gave connections up.
    const ptunnelArgs = ['--mode', 'proxy', '-p', proxyUrl, ...(ap ? ap.ptunnelArgs : []), '--log-level', 'warn', '--log-format', 'json', `${port}:${target}`, ...(p.warm ? ['--prewarm', String(params.prewarm)] : [])];
    if (p.key === 'base') return { cmd: process.execPath, args: [...opt['base-node-args'].split(/\s+/).filter(Boolean), baselineCli, ...ptunnelArgs] };
    if (ap) {
      // Negotiate: ptunnel must reach the proxy by its host name, which only its wrapper resolves.
      const [cmd, args] = ap.wrap(process.execPath, [...nodeArgs, cli, ...ptunnelArgs]);
      return { cmd, args, env: ap.env };
    }
    if (p.key === 'naive') return { cmd: process.execPath, args: [path.join(__dirname, 'naive-tunnel.js'), String(port), `127.0.0.1:${squidPort}`, target] };
    if (p.key === 'socat' || p.key === 'socat511') {
      const listen = `TCP-LISTEN:${port},bind=127.0.0.1,fork,reuseaddr${p.key === 'socat511' ? ',backlog=511' : ''}`;
      return { cmd: found.socat, args: [listen, `PROXY:127.0.0.1:${target},proxyport=${squidPort}`] };
    }
    if (p.key === 'proxytunnel') return { cmd: found.proxytunnel, args: ['-q', '-a', String(port), '-p', `127.0.0.1:${squidPort}`, '-d', target] };
    // ptunnel itself: plain, with the image's environment, --prewarm, Basic.
    return { cmd: process.execPath, args: [...nodeArgs, cli, ...ptunnelArgs], env: { ...process.env, ...p.env } };
  };
  for (const p of paths) {
    if (p.kind !== 'tunnel') continue;
    p.logFile = path.join(tmp, `${p.key}.log`);
    const { cmd, args, env } = tunnelCommand(p, p.port, `127.0.0.1:${p.nginxPort}`);
    const t0 = process.hrtime.bigint();
    p.child = proc.spawnTracked(p.key, cmd, args, { logFile: p.logFile, env });
    await waitPort(p.port, 10_000, p.child);
    p.startMs = Number(process.hrtime.bigint() - t0) / 1e6;
    p.opened += 1; // waitPort's probe connection
  }

  const urlOf = (p, pth) => (p.kind === 'httpproxy' ? `http://127.0.0.1:${p.nginxPort}${pth}` : `http://127.0.0.1:${p.port}${pth}`);
  const proxyArgs = (p, flag) => (p.kind === 'httpproxy' ? [flag, `127.0.0.1:${squidPort}`] : []);

  // curl as the peer of the authenticating rows: one process per connection, timed by curl
  // itself from its start to the first response byte (proxy connect, CONNECT with the scheme's
  // rounds, the request), which is what setupLatency times for a tunnel.
  const curlPeer = (p) => {
    const ap = authProxies[p.auth];
    const auth = ap ? ap.curlArgs : ['--proxy-basic', '--proxy-user', 'bench:bench', '-x', `http://127.0.0.1:${basicPort}`];
    const [cmd, args] = (ap ? ap.wrap : (c, a) => [c, a])(found.curl, ['-sS', '-o', '/dev/null', '-w', '%{http_code} %{time_starttransfer}\\n', '--max-time', '10', '-p', ...auth, `http://127.0.0.1:${p.nginxPort}/index.html`]);
    return { cmd, args, env: ap ? ap.env : process.env };
  };
  const curlLatency = async (p, { count, warmup, gapMs }) => {
    const { cmd, args, env } = curlPeer(p);
    const samples = [];
    let errors = 0;
    for (let i = 0; i < count + warmup; i += 1) {
      if (gapMs > 0) await sleep(gapMs);
      const r = await proc.run(cmd, args, { timeoutMs: 15_000, env });
      const [code, secs] = r.stdout.trim().split(' ');
      if (i < warmup) continue;
      if (code === '200') samples.push(Number(secs) * 1000);
      else errors += 1;
    }
    return { samples, errors };
  };

  // Sanity: every path serves the page.
  for (const p of paths) {
    if (p.kind === 'curl') {
      const r = await curlLatency(p, { count: 1, warmup: 0, gapMs: 0 });
      if (r.errors > 0) throw new Error(`${p.label}: sanity request failed`);
      continue;
    }
    const r = await proc.run(found.curl, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', ...proxyArgs(p, '-x'), urlOf(p, '/index.html')]);
    p.opened += 1;
    if (r.stdout.trim() !== '200') throw new Error(`${p.label}: sanity request failed (${r.stdout.trim()} ${r.stderr.trim()})`);
  }
  log(`all ${paths.length} paths answer; ${profile} run starts, ${params.reps} alternated repetitions per path`);
  const t0 = Date.now();
  const reps = params.reps;
  // Repetition i visits the paths in an order rotated by i, so no path always runs first (the
  // first runs after a pause are often outliers) or always right after the same neighbour.
  const rotated = (list, i) => list.map((_, j) => list[(i + j) % list.length]);
  const series = (p, name) => ((p.series ??= {})[name] ??= []);

  // The RSS of the single-process tunnels between phases: what each phase leaves behind shows
  // where a later peak (wrk's, the idle test's) starts from.
  const rssBetween = (phase) => {
    const single = paths.filter((p) => p.singleProcess && p.child && !p.setupOnly);
    for (const p of single) (p.rssAfter ??= {})[phase] = proc.readStatus(p.child.pid).rss;
    if (single.length > 0) log(`RSS after ${phase}: ${single.map((p) => `${p.key} ${mib(p.rssAfter[phase])}`).join(', ')} MiB`);
  };
  rssBetween('start');

  // 0. Start-up to listening: each Node tunnel started afresh, the paths alternated, each start on
  //    a port of its own and to a closed target, so that waitPort's probe is no path's traffic.
  //    One start is over 100 ms of CPU: the repetitions are cheap, so there are more of them.
  {
    const starters = paths.filter((p) => p.kind === 'tunnel' && p.singleProcess && !p.auth && !p.warm);
    const n = Math.max(reps, params.startups);
    for (let i = 0; i < n; i += 1) {
      for (const p of rotated(starters, i)) {
        const port = await freePort();
        const { cmd, args, env } = tunnelCommand(p, port, '127.0.0.1:9');
        const t0 = process.hrtime.bigint();
        const child = proc.spawnTracked(`${p.key} start-up`, cmd, args, { env });
        await waitPort(port, 10_000, child);
        series(p, 'startup').push(Number(process.hrtime.bigint() - t0) / 1e6);
        const exited = child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
    }
    if (starters.length > 0) log(`start-up to listening, ms (${n} alternated starts each): ${starters.map((p) => `${p.key} ${p.series.startup.map((x) => fmt(x, 0)).join(' ')}`).join('; ')}`);
    // Node reads NODE_EXTRA_CA_CERTS (and builds its root store) before any JavaScript runs, so
    // where the environment sets it every Node start above carries that cost: measured, not guessed.
    if (starters.length > 0 && process.env.NODE_EXTRA_CA_CERTS) {
      const bare = async (env) => {
        const ms = [];
        for (let i = 0; i < 7; i += 1) {
          const t = process.hrtime.bigint();
          await proc.run(process.execPath, ['-e', '0'], { env });
          ms.push(Number(process.hrtime.bigint() - t) / 1e6);
        }
        return median(ms);
      };
      const { NODE_EXTRA_CA_CERTS: _, ...without } = process.env;
      const [withCa, withoutCa] = [await bare(process.env), await bare(without)];
      notes.push(`Start-up: this environment sets NODE_EXTRA_CA_CERTS (${process.env.NODE_EXTRA_CA_CERTS}), which Node reads before any JavaScript runs: \`node -e 0\` took ${fmt(withCa, 0)} ms with it and ${fmt(withoutCa, 0)} ms without (medians of 7), and every Node tunnel's start-up above includes the difference.`);
      log(notes[notes.length - 1]);
    }
  }

  // 1. New-connection set-up latency, sequential; each repetition adds its share of samples.
  {
    const perRep = Math.max(10, Math.ceil(params.setupCount / reps));
    const samples = Object.fromEntries(paths.map((p) => [p.key, []]));
    for (let i = 0; i < reps; i += 1) {
      for (const p of rotated(paths, i)) {
        const req = pageRequest({ nginxPort: p.nginxPort, viaHttpProxy: p.kind === 'httpproxy', close: true });
        // A warm pool refills in the background: every path gets the same short pause between
        // connections, the time a refill through a loopback proxy takes.
        const r = p.kind === 'curl'
          ? await curlLatency(p, { count: perRep, warmup: i === 0 ? 3 : 1, gapMs: 10 })
          : await setupLatency({ port: p.port, count: perRep, request: req, warmup: i === 0 ? 10 : 2, gapMs: 10 });
        p.opened += perRep + (i === 0 ? 10 : 2);
        samples[p.key].push(...r.samples);
        series(p, 'setupP50').push(percentile(r.samples, 50));
        p.setupErrors = (p.setupErrors ?? 0) + r.errors;
      }
    }
    for (const p of paths) {
      p.setup = { p50: percentile(samples[p.key], 50), p99: percentile(samples[p.key], 99), errors: p.setupErrors, n: samples[p.key].length };
      log(`setup ${p.key}: p50 ${fmt(p.setup.p50, 3)} ms p99 ${fmt(p.setup.p99, 3)} ms over ${p.setup.n} (${p.setupErrors} errors)`);
    }
  }

  // 2. ab, alternated across paths so that load from others on the machine spreads evenly.
  const abPaths = paths.filter((p) => !p.setupOnly);
  for (const ka of [false, true]) {
    const tag = ka ? 'abKa' : 'abNoKa';
    for (let i = 0; i < reps; i += 1) {
      for (const p of rotated(abPaths, i)) {
        const cpu0 = p.child ? proc.treeCpuMs(p.child.pid) : null;
        const sq0 = proc.treeCpuMs(squid.child.pid);
        const r = await proc.run(found.ab, ['-n', String(params.abN), '-c', String(params.abC), '-s', '30', '-r', ...(ka ? ['-k'] : []), ...proxyArgs(p, '-X'), urlOf(p, '/index.html')], { timeoutMs: 600_000 });
        const a = parseAb(r.stdout);
        if (p.child) series(p, `${tag}Cpu`).push(((proc.treeCpuMs(p.child.pid) - cpu0) * 1000) / params.abN);
        series(p, `${tag}SquidCpu`).push(((proc.treeCpuMs(squid.child.pid) - sq0) * 1000) / params.abN);
        if (a.meanMs === null) log(`ab ${p.key} ${ka ? 'KA' : 'no-KA'} failed: ${r.stderr.trim().split('\n').pop()}`);
        if (a.failed || a.non2xx) log(`ab ${p.key}: ${a.failed} failed, ${a.non2xx} non-2xx`);
        p.opened += ka ? params.abC : (a.complete ?? 0);
        series(p, tag).push(a.meanMs);
      }
    }
    for (const p of abPaths) log(`ab ${ka ? 'KA   ' : 'no-KA'} ${p.key}: ${p.series[tag].map((x) => fmt(x, 3)).join(' ')} ms/req`);
  }

  rssBetween('ab');

  // The quick A/B keeps the floor to what its ratios use (ab and set-up): the download and wrk
  // run through the tunnels only.
  const heavy = (abMode ? paths.filter((p) => p.kind === 'tunnel') : paths).filter((p) => !p.setupOnly);
  // 3. Download of the big file, alternated. First one unmeasured download per path straight from
  // its nginx: the first read of big.bin came from the disk rather than the page cache, and it had
  // made the first path's first repetition 2-3x slower than the rest (326-343 MB/s against ~900).
  for (const p of heavy) {
    if (p.nginxPort) await proc.run(found.curl, ['-sS', '-o', '/dev/null', '--max-time', '600', `http://127.0.0.1:${p.nginxPort}/big.bin`], { timeoutMs: 620_000 });
  }
  for (let i = 0; i < reps; i += 1) {
    for (const p of rotated(heavy, i)) {
      const r = await proc.run(found.curl, ['-sS', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', '--max-time', '600', ...proxyArgs(p, '-x'), urlOf(p, '/big.bin')], { timeoutMs: 620_000 });
      p.opened += 1;
      const [size, secs] = r.stdout.trim().split(' ').map(Number);
      if (size !== params.bigSize) {
        log(`download ${p.key}: got ${size} of ${params.bigSize} bytes (${r.stderr.trim()})`);
        series(p, 'mbps').push(null);
      } else series(p, 'mbps').push(size / secs / 1e6);
    }
  }
  for (const p of heavy) log(`download ${p.key}: ${p.series.mbps.map((x) => fmt(x, 0)).join(' ')} MB/s`);
  rssBetween('downloads');

  // 4. wrk, alternated, with the RSS of the tunnel process (tree) sampled and VmHWM read for
  // Node tunnels (reset before each run, so each repetition has its own peak).
  if (found.wrk) {
    for (let i = 0; i < reps; i += 1) {
      for (const p of rotated(heavy, i)) {
        await sleep(abMode ? 200 : 1000);
        const args = ['-c', String(params.wrkConns), '-t', String(params.wrkThreads), '-d', `${params.wrkSecs}s`, '--latency'];
        if (p.kind === 'httpproxy') {
          const script = path.join(tmp, 'wrk-proxy.lua');
          fs.writeFileSync(script, `wrk.path = "http://127.0.0.1:${p.nginxPort}/w/index.html"\n`);
          args.push('-s', script, `http://127.0.0.1:${squidPort}/`);
        } else args.push(urlOf(p, '/w/index.html'));
        const logBefore = fileSize(nginx.wrkLogPath);
        const squidBefore = squid.accessLog().length;
        let sampler;
        if (p.child) {
          if (p.singleProcess) proc.resetPeak(p.child.pid);
          sampler = proc.rssSampler(p.child.pid, 200);
        }
        const r = await proc.run(found.wrk, args, { timeoutMs: (params.wrkSecs + 60) * 1000 });
        const w = parseWrk(r.stdout);
        if (sampler) {
          const sampled = sampler.stop();
          w.peakRss = p.singleProcess ? Math.max(sampled, proc.readStatus(p.child.pid).hwm) : sampled;
        }
        await sleep(700); // nginx flushes its wrk log every 500 ms
        if (p.kind === 'httpproxy') {
          const lines = squid.accessLog().slice(squidBefore).split('\n');
          const conns = new Set(lines.filter((l) => l.includes(`http://127.0.0.1:${p.nginxPort}/w/`) && l.includes('/200 ')).map((l) => l.split(' ')[1]));
          w.served = conns.size;
        } else {
          const lines = readFrom(nginx.wrkLogPath, logBefore).split('\n');
          const conns = new Set(lines.filter((l) => l.startsWith(`${p.nginxPort} `) && l.endsWith(' 200')).map((l) => l.split(' ')[1]));
          w.served = conns.size;
        }
        p.opened += w.served;
        (p.wrkRuns ??= []).push(w);
        series(p, 'wrkRps').push(Number.isFinite(w.rps) ? w.rps : null);
        series(p, 'wrkP99').push(w.p99);
        if (w.peakRss) series(p, 'wrkRss').push(w.peakRss);
        if (!Number.isFinite(w.rps)) log(`wrk ${p.key} failed: ${r.stderr.trim()} ${r.stdout.trim()}`);
      }
    }
    for (const p of heavy) {
      const runs = p.wrkRuns;
      // The verdicts on errors and connections served take the worst repetition.
      p.wrk = {
        rps: median(p.series.wrkRps),
        p50: median(runs.map((w) => w.p50)),
        p99: median(p.series.wrkP99),
        peakRss: median(p.series.wrkRss ?? []),
        errorTotal: Math.max(...runs.map((w) => w.errorTotal)),
        served: Math.min(...runs.map((w) => w.served)),
      };
      log(`wrk ${p.key}: ${p.series.wrkRps.map((x) => fmt(x, 0)).join(' ')} req/s, errors max ${p.wrk.errorTotal}, served min ${p.wrk.served}${p.wrk.peakRss ? `, peak RSS ${p.series.wrkRss.map(mib).join(' ')} MiB` : ''}`);
    }
  } else notes.push('wrk is not installed: wrk columns and the RSS-under-load figure are missing.');
  for (const p of paths) {
    p.stats = Object.fromEntries(Object.entries(p.series).map(([k, v]) => [k, stat(v)]));
    p.abNoKa = p.stats.abNoKa?.median ?? null;
    p.abKa = p.stats.abKa?.median ?? null;
    p.mbps = p.stats.mbps?.median ?? null;
  }

  // 5. Idle connections held open (Node tunnels; socat and proxytunnel would need a process each).
  for (const p of params.idle ? paths.filter((x) => x.idleTest) : []) {
    await sleep(1000);
    const pid = p.child.pid;
    const base = proc.readStatus(pid).rss;
    const fd0 = proc.fdCount(pid);
    const req = pageRequest({ nginxPort: p.nginxPort, viaHttpProxy: false, close: false });
    const failuresBefore = connectionFailures(p.logFile);
    // squid needs two descriptors per tunnel too (see SQUID_HEADROOM): what it holds already.
    const squidFds = proc.fdCount(squid.child.pid);
    const r = await openIdle({ port: p.port, count: params.idleCount, batch: params.idleBatch, request: req });
    p.opened += r.sockets.length;
    await sleep(2000);
    const early = proc.readStatus(pid);
    // Then settled: a few seconds after allocation stops, V8's memory reducer collects what setting
    // the connections up left behind (promoted to the old space by a fast burst) and gives its
    // pages back. Idle connections are what the figure is for; the burst's garbage is in `early`.
    const st = await settledStatus(pid);
    const fds = proc.fdCount(pid);
    const dropped = r.state.dropped; // before the probe and the close below
    const probe = await probeIdle(r.sockets, req, 100);
    p.idle = { rss: st.rss, rssEarly: early.rss, settledS: st.seconds, hwm: st.hwm, base, seconds: r.seconds, failed: r.state.failed, dropped, fds, fd0, probe, count: r.sockets.length };
    p.idle.tunnelSays = countsText(newFailures(failuresBefore, connectionFailures(p.logFile)));
    // Linear extrapolation to the wanted count when the descriptor limit forced fewer.
    p.idle.rssAtWanted = base + ((st.rss - base) * params.idleWanted) / Math.max(1, r.sockets.length);
    for (const s of r.sockets) s.destroy();
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && proc.fdCount(pid) > fd0 + 10) await sleep(200);
    p.idle.fdAfter = proc.fdCount(pid);
    p.idle.rssAfter = proc.readStatus(pid).rss;
    log(`idle ${p.key}: ${r.sockets.length} open in ${fmt(r.seconds)} s, RSS ${mib(base)} -> ${mib(early.rss)} MiB 2 s later -> ${mib(st.rss)} MiB settled after ${fmt(st.seconds, 0)} s more (${mib(st.rss - base)} MiB for ${r.sockets.length}), fds ${fd0} -> ${fds} -> ${p.idle.fdAfter} (squid ${squidFds} before), probe ${probe.ok}/${probe.probed}, failed ${r.state.failed}${r.state.failed > 0 ? ` (${countsText(r.state.reasons)})` : ''}${p.idle.tunnelSays ? `; ${p.key}'s log: ${p.idle.tunnelSays}` : ''}, dropped while idle ${dropped}`);
  }
  if (params.idleCount < params.idleWanted) {
    notes.push(`Idle test: this machine's hard descriptor limit is ${nofile} and cannot be raised (no CAP_SYS_RESOURCE), and a tunnel needs two descriptors per connection, as does squid at the other end under the same limit (with room for its own), so ${params.idleCount} connections were held instead of ${params.idleWanted}; the ${params.idleWanted} figure is extrapolated linearly from the measured per-connection growth.`);
  }
  if (paths.some((p) => p.multiProcess)) {
    notes.push(`${params.idleCount} idle connections are measured for the single-process tunnels only: socat and proxytunnel fork a process per connection, ${params.idleCount} processes on a shared machine.`);
  }

  // 6. squid's access log: every tunnel is one CONNECT line (logged when it closes).
  await sleep(1500);
  const accessLines = squid.accessLog().split('\n').filter(Boolean);
  for (const p of paths) {
    if (p.kind === 'direct' || p.auth) continue;
    const mine =
      p.kind === 'tunnel'
        ? accessLines.filter((l) => l.split(' ')[4] === 'CONNECT' && l.split(' ')[5] === `127.0.0.1:${p.nginxPort}`)
        : accessLines.filter((l) => l.split(' ')[4] === 'GET' && l.split(' ')[5]?.startsWith(`http://127.0.0.1:${p.nginxPort}/`));
    const ok = mine.filter((l) => /\/200$/.test(l.split(' ')[2])).length;
    // ab -k and wrk may open a few more than counted; HTTP proxying counts requests instead.
    const expected = p.kind === 'tunnel' ? p.opened : 2 * params.abN * params.reps;
    p.log = { ok, bad: mine.length - ok, expected, pass: ok >= expected };
  }
  const socks = socksRows.length > 0 ? await socksBench.measureSocks({ rows: socksRows, params, found, tmp, cli, squid, nodeArgs, log, notes }) : null;
  const minutes = (Date.now() - t0) / 60_000;
  log(`measurements took ${fmt(minutes, 1)} min`);

  // Proof that the NTLM and Negotiate rows authenticated for real: squid logs the user name of
  // each CONNECT it let through.
  for (const a of ['NTLM', 'Negotiate']) {
    const ap = authProxies[a];
    if (!ap) continue;
    const lines = ap.proxy.accessLog().split('\n').filter((l) => l.includes('CONNECT') && l.includes(ap.proxy.user));
    notes.push(`${a}: the ${a} squid logged ${lines.length} CONNECTs authenticated as ${ap.proxy.user} (ptunnel and curl together).`);
    log(notes[notes.length - 1]);
  }
  const byKey = Object.fromEntries(paths.map((p) => [p.key, p]));
  const setupByScheme = { none: { cold: byKey.ptunnel, warm: byKey.prewarm } };
  for (const [scheme, k] of [['Basic', 'basic'], ['NTLM', 'ntlm'], ['Negotiate', 'negotiate']]) {
    const row = { cold: byKey[k], warm: byKey[`${k}Prewarm`], curl: byKey[`curl${scheme === 'Basic' ? 'Basic' : k[0].toUpperCase() + k.slice(1)}`] };
    if (row.cold || row.warm || row.curl) setupByScheme[scheme] = row;
  }
  const run = { setupByScheme, socks, date: new Date().toISOString(), params, paths, notes, machine: machine(), versions: versions(found, ROOT), isolated, minutes, quick: profile !== 'full' };
  const md = document(run);
  process.stdout.write(`${render(run)}\n`);
  const outFile = opt['no-write'] ? null : (opt.out ?? (profile === 'full' ? path.join(ROOT, 'BENCHMARKS.md') : null));
  if (outFile) {
    fs.writeFileSync(outFile, md);
    log(`wrote ${outFile}`);
  }
  const resultsDir = path.join(__dirname, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  const json = path.join(resultsDir, `${run.date.replace(/[:.]/g, '-')}${profile === 'full' ? '' : `-${profile}`}.json`);
  fs.writeFileSync(json, JSON.stringify(run, (k, v) => (k === 'child' || k === 'request' ? undefined : v), 2));
  log(`raw figures: ${path.relative(ROOT, json)}`);
  return targets(run).every((t) => t.ok !== false) ? 0 : 3;
}

function document(run) {
  const m = run.machine;
  const v = run.versions;
  const p = run.params;
  const lines = [
    '# ptunnel benchmarks',
    '',
    `Generated by \`npm run bench\` (\`bench/run.js\`) on ${run.date.slice(0, 10)} at ${run.date.slice(11, 16)} UTC${run.quick ? ` — **${run.params.profile} mode, not a full run**` : ''}; the measurements took ${fmt(run.minutes, 1)} minutes.`,
    '',
    `**Machine:** ${m.nproc} CPUs (${m.cpu}), ${m.memGiB} GiB RAM, Linux ${m.kernel}, ${m.os}. ` +
      'This is a **shared 2-core machine**: other engineers ran tests on it at the same time, so figures are noisy; ' +
      `each figure is measured ${p.reps} times per path, the paths alternated (the order rotates each repetition), and reported as the median with its min–max range; a path whose range is over 25 % of its median is flagged ⚠ and its ratios should not be trusted.`,
    '',
    `**Versions:** ${Object.entries(v).map(([k, x]) => `${k} ${x}`).join(', ')}.`,
    '',
    '## Method',
    '',
    `- Everything runs on loopback${run.isolated ? ', inside a private network namespace (`unshare -n`) that has nothing but `lo`' : ''}: squid (generated config: CONNECT allowed, \`cache deny all\`, one access-log line per request/tunnel), nginx (one worker, \`sendfile\`, a ${p.bigLabel} sparse file and a 612-byte page), and each path on its own nginx port so its requests can be told apart.`,
    '- Paths: `ab -> nginx` (floor, no proxy); squid as a plain HTTP proxy (`ab -X`); `ptunnel --mode proxy -q`, also with the glibc settings the image\'s Dockerfile sets (`ENV MALLOC_...`); `socat TCP-LISTEN:P,fork,reuseaddr PROXY:127.0.0.1:HOST:PORT,proxyport=SQUID` with the default backlog (5) and with `backlog=511`; `proxytunnel -a P` (a process per connection); `bench/naive-tunnel.js`, a 60-line tunnel on `net` and `pipe`, as a baseline.',
    `- ab: \`ab -n ${p.abN} -c ${p.abC}\` with and without \`-k\`, ${p.reps} runs per path, alternated; the figure is the median of "Time per request (mean)". CPU ms per 1000 requests is the tunnel process tree's user+system time during those runs.`,
    `- Download: \`curl\` fetches the ${p.bigLabel} file (${p.reps} runs, median), MB = 10^6 bytes.`,
    `- wrk: \`wrk -c ${p.wrkConns} -t ${p.wrkThreads} -d ${p.wrkSecs}s --latency\` (default 2 s timeout), ${p.reps} runs per path, median; errors (the worst run) are socket errors plus non-2xx; "conns served" (the worst run) counts distinct connections nginx (or, for squid, squid's log) answered with 200. Peak RSS: VmHWM for the Node tunnels (reset before wrk), the sampled sum of the process tree's VmRSS for socat and proxytunnel.`,
    `- Idle: ${p.idleCount} connections opened in batches of ${p.idleBatch}, each carrying one keep-alive request and response (a working tunnel end to end), then held idle; RSS read 2 s later; 100 of them are probed with a second request before closing.`,
    `- Set-up latency: about ${p.setupCount} sequential new connections per path, in ${p.reps} alternated batches: time from \`connect()\` to the first byte of the response to a small GET; p50/p99 with 10 ms between connections (so a --prewarm pool can refill, for every path alike); over all samples, the spread is that of the batches' p50.`,
    `- Start-up: time from spawning the tunnel to its port accepting a connection, over ${run.params.startups} or more fresh starts of each Node tunnel, alternated, before the other phases (a start of its own per sample, on a port of its own and to a closed target); socat and proxytunnel, C programs, are timed once, from the start that the other phases then use.`,
    ...(run.socks
      ? [
          `- SOCKS5 rows: a SOCKS5 client of the bench's own (bench/lib/socks.js: no authentication, each step waits for the server's answer, as curl does) opens new connections to a small GET and times connect() to the first response byte: ${run.socks.seqCount} sequential, then ${run.socks.concCount} with ${run.socks.concurrency} at a time (conn/s is completed connections per second of wall time), per repetition; then \`curl --socks5\` (\`--socks5-hostname\` on the name rows) downloads the first ${run.socks.downloadLabel} of the big file. ptunnel --socks direct is measured with an IPv4 literal and with a name its own resolver asks of a local dnsmasq, and through squid with a name squid resolves; ptunnel's tunnel mapping (same targets, no SOCKS handshake) is the same-program reference; microsocks and Dante's danted are the peers.`,
        ]
      : []),
    '- Each tunnel\'s CONNECT lines in squid\'s access log are counted against the connections the clients opened.',
    '',
    '## Results',
    '',
    render(run),
  ];
  if (run.notes.length > 0) lines.push('## Notes', '', ...run.notes.map((n) => `- ${n}`), '');
  lines.push('## Individual runs', '');
  for (const x of run.paths) {
    lines.push(
      `- ${x.label}: ab no-KA ${(x.series?.abNoKa ?? []).map((n) => fmt(n, 3)).join(' / ')} ms; ab KA ${(x.series?.abKa ?? []).map((n) => fmt(n, 3)).join(' / ')} ms; download ${(x.series?.mbps ?? []).map((n) => fmt(n, 0)).join(' / ')} MB/s; wrk ${(x.series?.wrkRps ?? []).map((n) => fmt(n, 0)).join(' / ')} req/s` +
        (x.series?.wrkRss ? `; wrk peak RSS ${x.series.wrkRss.map(mib).join(' / ')} MiB` : '') +
        (x.idle ? `; idle: RSS ${mib(x.idle.base)} -> ${mib(x.idle.rss)} MiB, descriptors ${x.idle.fd0} -> ${x.idle.fds} -> ${x.idle.fdAfter} after close, RSS after close ${mib(x.idle.rssAfter)} MiB` : ''),
    );
  }
  lines.push('');
  const notesFile = path.join(__dirname, 'ANALYSIS.md');
  if (fs.existsSync(notesFile)) lines.push(fs.readFileSync(notesFile, 'utf8').trim(), '');
  return lines.join('\n');
}

/**
 * The glibc settings the image gives its Node (the Dockerfile's ENV), for the row that measures
 * them; null when it sets none. Read from the Dockerfile so the row follows what ships.
 */
function imageMallocEnv() {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const env = {};
  for (const m of text.matchAll(/\b(MALLOC_[A-Z_]+)=(\S+)/g)) env[m[1]] = m[2];
  return Object.keys(env).length > 0 ? env : null;
}

/** Whether this build knows --prewarm (older builds, e.g. a --baseline, do not). */
function prewarmSupported(cli) {
  try {
    return require('node:child_process').execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).includes('--prewarm');
  } catch {
    return false;
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

function fileSize(f) {
  try {
    return fs.statSync(f).size;
  } catch {
    return 0;
  }
}

function readFrom(f, offset) {
  try {
    return fs.readFileSync(f).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

main()
  .then(async (code) => {
    await cleanup();
    process.exit(code);
  })
  .catch(async (err) => {
    log(`failed: ${err.stack ?? err}`);
    await cleanup();
    process.exit(1);
  });
