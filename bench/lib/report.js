'use strict';
// Markdown: results per path, ptunnel's ratios against its peers, and the targets of issues 2/7.

const MiB = 2 ** 20;

function median(xs) {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

function percentile(xs, p) {
  const v = [...xs].sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v[Math.min(v.length - 1, Math.ceil((p / 100) * v.length) - 1)];
}

const fmt = (x, digits = 2) => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : x.toFixed(digits));
const mib = (bytes) => (bytes ? fmt(bytes / MiB, 1) : 'n/a');

function table(header, rows) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** ptunnel's figure divided by a peer's (null when either is missing). */
function ratio(a, b) {
  return a !== null && b !== null && a !== undefined && b !== undefined && b > 0 ? a / b : null;
}

function render(run) {
  const { paths, params } = run;
  const by = Object.fromEntries(paths.map((p) => [p.key, p]));
  const out = [];

  out.push('### Requests and throughput');
  out.push('');
  out.push(
    table(
      [
        'path',
        `ab no-KA ms/req (median of ${params.abRuns})`,
        `ab KA ms/req (median of ${params.abRuns})`,
        `${params.bigLabel} download MB/s`,
        'wrk req/s',
        'wrk p50 ms',
        'wrk p99 ms',
        'wrk errors',
        'conns served',
      ],
      paths.map((p) => [
        p.label,
        fmt(p.abNoKa, 3),
        fmt(p.abKa, 3),
        fmt(p.mbps, 0),
        fmt(p.wrk?.rps, 0),
        fmt(p.wrk?.p50, 2),
        fmt(p.wrk?.p99, 2),
        p.wrk ? String(p.wrk.errorTotal) : 'n/a',
        p.wrk ? `${p.wrk.served ?? 'n/a'}/${params.wrkConns}` : 'n/a',
      ]),
    ),
  );
  out.push('');
  out.push('### Memory, set-up latency, CPU, proxy log');
  out.push('');
  out.push(
    table(
      [
        'path',
        'peak RSS under wrk MiB',
        `${params.idleCount} idle: RSS MiB${params.idleWanted > params.idleCount ? ` (-> ${params.idleWanted} extrapolated)` : ''}`,
        `${params.idleCount} idle: open s`,
        'setup p50 ms',
        'setup p99 ms',
        'CPU ms /1000 req no-KA: tunnel / squid',
        'CPU ms /1000 req KA: tunnel / squid',
        'squid log (OK lines / expected >=)',
      ],
      paths.map((p) => [
        p.label,
        p.wrk?.peakRss ? `${mib(p.wrk.peakRss)}${p.multiProcess ? ' (sum of processes)' : ''}` : 'n/a',
        p.idle ? `${mib(p.idle.rss)}${params.idleWanted > params.idleCount ? ` (-> ${mib(p.idle.rssAtWanted)})` : ''}${p.idle.failed || p.idle.dropped ? ` (${p.idle.failed} failed, ${p.idle.dropped} dropped)` : ''}` : 'n/a',
        p.idle ? fmt(p.idle.seconds, 2) : 'n/a',
        fmt(p.setup?.p50, 3),
        fmt(p.setup?.p99, 3),
        `${fmt(p.cpuNoKa, 0)} / ${fmt(p.squidCpuNoKa, 0)}`,
        `${fmt(p.cpuKa, 0)} / ${fmt(p.squidCpuKa, 0)}`,
        p.log ? `${p.log.ok}/${p.log.expected} ${p.log.pass ? 'OK' : 'MISMATCH'}${p.log.bad ? `, ${p.log.bad} non-200` : ''}` : 'n/a',
      ]),
    ),
  );
  out.push('');

  const pt = by.ptunnel;
  const peers = ['socat', 'socat511', 'proxytunnel', 'naive'].filter((k) => by[k]);
  if (pt && peers.length > 0) {
    out.push('### ptunnel relative to peers (ptunnel / peer)');
    out.push('');
    const metric = (name, pick, better) => [
      `${name} (${better})`,
      ...peers.map((k) => fmt(ratio(pick(pt), pick(by[k])), 2) + 'x'),
    ];
    out.push(
      table(
        ['metric', ...peers.map((k) => by[k].label)],
        [
          metric('ab no-KA ms/req', (p) => p.abNoKa, 'lower is better'),
          metric('ab KA ms/req', (p) => p.abKa, 'lower is better'),
          metric('download MB/s', (p) => p.mbps, 'higher is better'),
          metric('wrk req/s', (p) => p.wrk?.rps ?? null, 'higher is better'),
          metric('wrk p99', (p) => p.wrk?.p99 ?? null, 'lower is better'),
          metric('setup p50', (p) => p.setup?.p50 ?? null, 'lower is better'),
          metric('setup p99', (p) => p.setup?.p99 ?? null, 'lower is better'),
        ],
      ),
    );
    out.push('');
  }

  out.push('### Targets (ptunnel, ratios from this run)');
  out.push('');
  out.push(table(['target', 'measured', 'verdict'], targets(run).map((t) => [t.name, t.measured, t.verdict])));
  out.push('');
  return out.join('\n');
}

function targets(run) {
  const by = Object.fromEntries(run.paths.map((p) => [p.key, p]));
  const pt = by.ptunnel;
  const rows = [];
  const verdict = (ok) => (ok === null ? 'not measured' : ok ? 'PASS' : '**MISS**');
  const cmp = (name, a, b, limit, dir, unit) => {
    const r = ratio(a, b);
    const ok = r === null ? null : dir === '<=' ? r <= limit : r >= limit;
    rows.push({
      name,
      measured: r === null ? 'n/a' : `${fmt(r, 2)}x (${fmt(a, unit === 'ms' ? 3 : 0)} vs ${fmt(b, unit === 'ms' ? 3 : 0)} ${unit})`,
      verdict: verdict(ok),
      ok,
    });
  };
  if (!pt) return rows;
  for (const s of ['socat', 'socat511']) {
    if (!by[s]) continue;
    const sl = s === 'socat' ? 'socat' : 'socat backlog=511';
    cmp(`ab no-KA mean <= 0.5x ${sl}`, pt.abNoKa, by[s].abNoKa, 0.5, '<=', 'ms');
    cmp(`ab KA mean <= 1.0x ${sl}`, pt.abKa, by[s].abKa, 1.0, '<=', 'ms');
  }
  if (by.naive) cmp('ab KA mean <= 1.1x naive Node tunnel', pt.abKa, by.naive.abKa, 1.1, '<=', 'ms');
  for (const s of ['proxytunnel', 'socat', 'socat511']) {
    if (by[s]) cmp(`download throughput >= 1.0x ${by[s].label}`, pt.mbps, by[s].mbps, 1.0, '>=', 'MB/s');
  }
  for (const s of ['socat', 'socat511']) {
    if (!by[s] || !pt.wrk || !by[s].wrk) continue;
    cmp(`wrk req/s >= 1.3x ${by[s].label}`, pt.wrk.rps, by[s].wrk.rps, 1.3, '>=', 'req/s');
  }
  if (pt.wrk) {
    const ok = pt.wrk.served !== null && pt.wrk.served >= run.params.wrkConns && pt.wrk.errorTotal === 0;
    rows.push({
      name: `wrk: all ${run.params.wrkConns} connections served, no errors`,
      measured: `${pt.wrk.served} served, ${pt.wrk.errorTotal} errors`,
      verdict: verdict(ok),
      ok,
    });
    const rssOk = pt.wrk.peakRss ? pt.wrk.peakRss <= 80 * MiB : null;
    rows.push({ name: 'RSS under wrk <= 80 MiB', measured: `${mib(pt.wrk.peakRss)} MiB`, verdict: verdict(rssOk), ok: rssOk });
  }
  if (pt.idle) {
    const { idleCount, idleWanted } = run.params;
    const capped = idleWanted > idleCount;
    const rss = capped ? pt.idle.rssAtWanted : pt.idle.rss;
    const ok = rss <= 250 * MiB && pt.idle.failed === 0 && pt.idle.dropped === 0;
    rows.push({
      name: `${idleWanted} idle connections <= 250 MiB RSS${capped ? ` (${idleCount} held: descriptor limit; extrapolated)` : ''}${run.quick ? ' (quick mode)' : ''}`,
      measured: `${capped ? `${mib(pt.idle.rss)} MiB for ${idleCount} -> ${mib(rss)} MiB for ${idleWanted}` : `${mib(rss)} MiB`}, ${pt.idle.failed} failed, ${pt.idle.dropped} dropped, probe ${pt.idle.probe.ok}/${pt.idle.probe.probed}`,
      verdict: verdict(ok),
      ok,
    });
  }
  const logs = run.paths.filter((p) => p.log);
  if (logs.length > 0) {
    const ok = logs.every((p) => p.log.pass);
    rows.push({
      name: 'every tunnel went through squid (CONNECT lines in its access log)',
      measured: logs.map((p) => `${p.key} ${p.log.ok}/${p.log.expected}`).join(', '),
      verdict: verdict(ok),
      ok,
    });
  }
  return rows;
}

module.exports = { median, percentile, render, targets, fmt, mib };
