'use strict';
// The SOCKS5 rows (issue 14): ptunnel's --socks listener against microsocks and Dante in the
// same run, with ptunnel's own tunnel mapping as the same-program reference (the same bytes
// without the SOCKS handshake). Each row: new-connection latency through our SOCKS5 client
// (sequential, and `concurrency` at a time for the rate), and a download with curl through
// SOCKS5. `--only socks` selects them all.
const path = require('node:path');
const proc = require('./proc');
const { freePort, waitPort, pageRequest } = require('./net');
const { startDnsmasq, startMicrosocks, startDante } = require('./servers');
const { connectionLoad } = require('./socks');
const { percentile, stat, fmt } = require('./report');

/** The name the "name" rows ask for: dnsmasq answers it for ptunnel, squid's hosts file for squid. */
const NAME = 'web.bench.test';
const CONCURRENCY = 10;
/**
 * The download is a range of nginx's big file, at most 256 MiB: seven rows of 1 GiB would add
 * minutes to the full run, and the rate settles well before 256 MiB on loopback.
 */
const MAX_DOWNLOAD = 256 * 2 ** 20;

const ROWS = [
  { key: 'socksIp', label: 'ptunnel --socks, direct, IPv4 literal', server: 'ptunnel', route: 'direct', dest: 'ip' },
  { key: 'socksName', label: 'ptunnel --socks, direct, name (its resolver -> dnsmasq)', server: 'ptunnel', route: 'direct', dest: 'name', tool: 'dnsmasq' },
  { key: 'socksSquid', label: 'ptunnel --socks, through squid, name (squid resolves)', server: 'ptunnel', route: 'squid', dest: 'name' },
  { key: 'socksMap', label: 'ptunnel mapping, direct (no SOCKS: reference)', server: 'mapping', route: 'direct', dest: 'ip' },
  { key: 'socksMapSquid', label: 'ptunnel mapping, through squid (no SOCKS: reference)', server: 'mapping', route: 'squid', dest: 'name' },
  { key: 'microsocks', label: 'microsocks, IPv4 literal', server: 'microsocks', tool: 'microsocks', route: 'direct', dest: 'ip' },
  { key: 'dante', label: 'Dante danted, IPv4 literal', server: 'danted', tool: 'danted', route: 'direct', dest: 'ip' },
];

/** What the client asks the SOCKS server for (null for a mapping: the port is the tunnel). */
const socksTarget = (row) => (row.server === 'mapping' ? null : { host: row.dest === 'name' ? NAME : '127.0.0.1', port: row.nginxPort });

/** curl's arguments for one download of `file` through the row. */
function curlVia(row, file) {
  if (row.server === 'mapping') return [`http://127.0.0.1:${row.port}${file}`];
  const flag = row.dest === 'name' ? '--socks5-hostname' : '--socks5';
  const host = row.dest === 'name' ? NAME : '127.0.0.1';
  return [flag, `127.0.0.1:${row.port}`, `http://${host}:${row.nginxPort}${file}`];
}

/** Starts every row's server; rows whose tool is missing are dropped with a note. */
async function startRows({ rows, found, tmp, cli, squidPort, nodeArgs, notes, log }) {
  const kept = rows.filter((r) => {
    if (r.tool && !found[r.tool]) {
      notes.push(`${r.label}: skipped, ${r.tool} is not installed (apt-get install -y ${r.tool === 'danted' ? 'dante-server' : r.tool}).`);
      return false;
    }
    return true;
  });
  const needDns = kept.some((r) => r.server !== 'microsocks' && r.server !== 'danted' && r.route === 'direct');
  const dns = needDns && found.dnsmasq ? await startDnsmasq({ bin: found.dnsmasq, dir: tmp, port: await freePort(), hosts: { [NAME]: '127.0.0.1' } }) : null;
  // The loop guard refuses a name that resolves to loopback (a hosts-file mapping back into
  // ptunnel); nginx is on 127.0.0.1, so the bench vouches for it as a user would for a local server.
  const dnsAllow = ['--dns-allow', '127.0.0.1'];
  for (const r of kept) {
    r.port = await freePort();
    const logFile = path.join(tmp, `${r.key}.log`);
    const t0 = process.hrtime.bigint();
    if (r.server === 'ptunnel' || r.server === 'mapping') {
      const route = r.route === 'squid' ? ['--mode', 'proxy', '-p', `127.0.0.1:${squidPort}`] : ['--mode', 'direct', ...(dns ? ['--dns', `127.0.0.1:${dns.port}`] : []), ...dnsAllow];
      const host = r.dest === 'name' ? NAME : '127.0.0.1';
      const listen = r.server === 'ptunnel' ? ['--socks', `127.0.0.1:${r.port}`] : [`${r.port}:${host}:${r.nginxPort}`];
      r.child = proc.spawnTracked(r.key, process.execPath, [...nodeArgs, cli, ...route, '-q', ...listen], { logFile });
      await waitPort(r.port, 10_000, r.child);
    } else if (r.server === 'microsocks') {
      r.child = (await startMicrosocks({ bin: found.microsocks, dir: tmp, port: r.port })).child;
    } else {
      r.child = (await startDante({ bin: found.danted, dir: tmp, port: r.port })).child;
    }
    r.startMs = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  log(`SOCKS rows on ${kept.map((r) => `${r.key}:${r.port}`).join(', ')}${dns ? `, dnsmasq on ${dns.port}` : ''}`);
  return kept;
}

/**
 * Measures the rows, alternated like the other paths (the order rotates each repetition), and
 * returns them with their figures. squid's access log proves that the squid rows went through it.
 */
async function measureSocks({ rows: wanted, params, found, tmp, cli, squid, nodeArgs = [], log, notes }) {
  const rows = await startRows({ rows: wanted, found, tmp, cli, squidPort: squid.port, nodeArgs, notes, log });
  const reps = params.reps;
  const seqCount = Math.max(30, Math.ceil(params.setupCount / reps));
  const concCount = seqCount * 3;
  const download = Math.min(params.bigSize, MAX_DOWNLOAD);
  const downloadLabel = `${download / 2 ** 20} MiB`;
  const rotated = (list, i) => list.map((_, j) => list[(i + j) % list.length]);
  const squidBefore = squid.accessLog().length;

  for (const r of rows) {
    r.series = { seqP50: [], concP50: [], rate: [], mbps: [], cpu: [] };
    r.samples = { seq: [], conc: [] };
    r.errors = 0;
    r.completed = 0;
    r.request = pageRequest({ nginxPort: r.nginxPort, viaHttpProxy: false, close: true });
    // Sanity: the row serves the page, and our client speaks its SOCKS5.
    const res = await proc.run(found.curl, ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', ...curlVia(r, '/index.html')]);
    const one = await connectionLoad({ port: r.port, socks: socksTarget(r), request: r.request, count: 1 });
    if (res.stdout.trim() !== '200' || one.errors > 0) throw new Error(`${r.label}: sanity request failed (curl ${res.stdout.trim()} ${res.stderr.trim()}; client ${one.lastError ?? 'ok'})`);
    r.completed += 2;
  }
  log(`SOCKS: ${rows.length} rows answer; ${reps} alternated repetitions of ${seqCount} sequential and ${concCount} ${CONCURRENCY}-concurrent connections, then ${downloadLabel} downloads`);

  for (let i = 0; i < reps; i += 1) {
    for (const r of rotated(rows, i)) {
      const socks = socksTarget(r);
      await connectionLoad({ port: r.port, socks, request: r.request, count: i === 0 ? 10 : 2 }); // warm-up, not counted
      const cpu0 = proc.treeCpuMs(r.child.pid);
      const seq = await connectionLoad({ port: r.port, socks, request: r.request, count: seqCount });
      const conc = await connectionLoad({ port: r.port, socks, request: r.request, count: concCount, concurrency: CONCURRENCY });
      // CPU per connection is the steadier figure on a shared machine: wall time waits for
      // other work, CPU time mostly does not.
      r.series.cpu.push(((proc.treeCpuMs(r.child.pid) - cpu0) * 1000) / Math.max(1, seq.samples.length + conc.samples.length));
      r.completed += (i === 0 ? 10 : 2) + seq.samples.length + conc.samples.length;
      r.errors += seq.errors + conc.errors;
      if (seq.errors + conc.errors > 0) log(`SOCKS ${r.key}: ${seq.errors + conc.errors} failed connections (${seq.lastError ?? conc.lastError})`);
      r.samples.seq.push(...seq.samples);
      r.samples.conc.push(...conc.samples);
      r.series.seqP50.push(percentile(seq.samples, 50));
      r.series.concP50.push(percentile(conc.samples, 50));
      r.series.rate.push(conc.rate);
    }
  }
  for (let i = 0; i < reps; i += 1) {
    for (const r of rotated(rows, i)) {
      const res = await proc.run(found.curl, ['-sS', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', '--max-time', '600', '-r', `0-${download - 1}`, ...curlVia(r, '/big.bin')], { timeoutMs: 620_000 });
      const [size, secs] = res.stdout.trim().split(' ').map(Number);
      r.completed += 1;
      if (size !== download) {
        log(`SOCKS download ${r.key}: got ${size} of ${download} bytes (${res.stderr.trim()})`);
        r.series.mbps.push(null);
      } else r.series.mbps.push(size / secs / 1e6);
    }
  }

  // squid logs a tunnel when it closes, and writes its log when it gets round to it: read it
  // until every squid row is accounted for, or for at most 10 s.
  const okLines = (lines, r) => {
    const target = `${r.dest === 'name' ? NAME : '127.0.0.1'}:${r.nginxPort}`;
    return lines.filter((l) => l.split(' ')[4] === 'CONNECT' && l.split(' ')[5] === target && /\/200$/.test(l.split(' ')[2])).length;
  };
  let lines = [];
  for (const deadline = Date.now() + 10_000; ; ) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    lines = squid.accessLog().slice(squidBefore).split('\n');
    if (Date.now() > deadline || rows.every((r) => r.route !== 'squid' || okLines(lines, r) >= r.completed)) break;
  }
  for (const r of rows) {
    r.stats = Object.fromEntries(Object.entries(r.series).map(([k, v]) => [k, stat(v)]));
    r.setup = { p50: percentile(r.samples.seq, 50), p99: percentile(r.samples.seq, 99), n: r.samples.seq.length };
    r.conc = { p50: percentile(r.samples.conc, 50), p99: percentile(r.samples.conc, 99), n: r.samples.conc.length, rate: r.stats.rate.median };
    r.mbps = r.stats.mbps.median;
    if (r.route === 'squid') {
      const ok = okLines(lines, r);
      r.log = { ok, expected: r.completed, pass: ok >= r.completed };
    }
    delete r.samples;
    log(`SOCKS ${r.key}: set-up p50 ${fmt(r.setup.p50, 3)} p99 ${fmt(r.setup.p99, 3)} ms; ${CONCURRENCY} concurrent p50 ${fmt(r.conc.p50, 3)} ms, ${r.series.rate.map((x) => fmt(x, 0)).join(' ')} conn/s, CPU ${r.series.cpu.map((x) => fmt(x, 0)).join(' ')} ms/1000 conns; download ${r.series.mbps.map((x) => fmt(x, 0)).join(' ')} MB/s${r.log ? `; squid ${r.log.ok}/${r.log.expected}` : ''}`);
  }
  notes.push('SOCKS: gost, the usual Go peer, is not packaged in Debian (nor on npm); the peers are microsocks and Dante (apt-get install -y microsocks dante-server). They get IPv4 literals: they resolve names with getaddrinfo, which has no DNS server inside the bench namespace, while ptunnel never reads the hosts file.');
  return { rows, concurrency: CONCURRENCY, seqCount, concCount, downloadLabel, name: NAME };
}

module.exports = { ROWS, NAME, measureSocks };
