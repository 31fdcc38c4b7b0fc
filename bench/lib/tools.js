'use strict';
// External tools: presence (with the command that installs them), versions, output parsers.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const TOOLS = {
  squid: { bins: ['squid', '/usr/sbin/squid'], apt: 'squid', required: true },
  nginx: { bins: ['nginx', '/usr/sbin/nginx'], apt: 'nginx-light', required: true },
  ab: { bins: ['ab'], apt: 'apache2-utils', required: true },
  curl: { bins: ['curl'], apt: 'curl', required: true },
  socat: { bins: ['socat'], apt: 'socat', required: false },
  proxytunnel: { bins: ['proxytunnel'], apt: 'proxytunnel', required: false },
  wrk: { bins: ['wrk'], apt: 'wrk', required: false },
  // The SOCKS rows: ptunnel's resolver asks dnsmasq; microsocks and danted are the peers.
  dnsmasq: { bins: ['dnsmasq', '/usr/sbin/dnsmasq'], apt: 'dnsmasq', required: false },
  microsocks: { bins: ['microsocks'], apt: 'microsocks', required: false },
  danted: { bins: ['danted', '/usr/sbin/danted'], apt: 'dante-server', required: false },
};

function which(bin) {
  if (bin.includes('/')) return fs.existsSync(bin) ? bin : null;
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      /* next */
    }
  }
  return null;
}

/** { name: path|null }; prints how to install what is missing. */
function findTools() {
  const found = {};
  const missing = [];
  for (const [name, t] of Object.entries(TOOLS)) {
    found[name] = t.bins.map(which).find(Boolean) ?? null;
    if (!found[name]) missing.push(name);
  }
  if (missing.length > 0) {
    const pkgs = missing.map((m) => TOOLS[m].apt).join(' ');
    console.error(`bench: missing ${missing.join(', ')}; install with: sudo apt-get install -y ${pkgs}`);
  }
  const fatal = missing.filter((m) => TOOLS[m].required);
  return { found, fatal };
}

function firstLine(cmd, args, pick) {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pick(out) ?? 'unknown';
  } catch (err) {
    const out = `${err.stdout ?? ''}${err.stderr ?? ''}`;
    return pick(out) ?? 'unknown';
  }
}

function versions(found, root) {
  const v = { node: process.version };
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  v.ptunnel = pkg.version;
  try {
    const rev = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
    v.ptunnel += ` (git ${rev}${dirty ? ', src/ modified' : ''})`;
  } catch {
    /* not a git tree */
  }
  const grab = (re) => (out) => re.exec(out)?.[1];
  if (found.squid) v.squid = firstLine(found.squid, ['-v'], grab(/Version (\S+)/));
  if (found.nginx) v.nginx = firstLine(found.nginx, ['-v'], grab(/nginx\/(\S+)/));
  if (found.socat) v.socat = firstLine(found.socat, ['-V'], grab(/socat version (\S+)/));
  if (found.ab) v.ab = firstLine(found.ab, ['-V'], grab(/Version (\S+)/));
  if (found.wrk) v.wrk = firstLine(found.wrk, ['-v'], grab(/^wrk (\S+)/m));
  if (found.proxytunnel) v.proxytunnel = firstLine(found.proxytunnel, ['-V'], grab(/proxytunnel (\S+)/));
  if (found.microsocks) v.microsocks = firstLine('dpkg-query', ['-W', '-f=${Version}', 'microsocks'], grab(/^(\S+)/));
  if (found.danted) v.danted = firstLine(found.danted, ['-v'], grab(/v(\d[\d.]*)/));
  if (found.curl) v.curl = firstLine(found.curl, ['--version'], grab(/^curl (\S+)/));
  return v;
}

function machine() {
  const cpu = os.cpus();
  let kernel = os.release();
  return {
    nproc: cpu.length,
    cpu: cpu[0]?.model?.trim() || 'unknown',
    memGiB: (os.totalmem() / 2 ** 30).toFixed(1),
    kernel,
    os: (() => {
      try {
        return /PRETTY_NAME="([^"]+)"/.exec(fs.readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os.type();
      } catch {
        return os.type();
      }
    })(),
  };
}

/** ab: mean time per request (ms, the per-request figure, not "across all concurrent"). */
function parseAb(out) {
  const num = (re) => {
    const m = re.exec(out);
    return m ? Number(m[1]) : null;
  };
  return {
    meanMs: num(/^Time per request:\s+([\d.]+) \[ms\] \(mean\)$/m),
    rps: num(/^Requests per second:\s+([\d.]+)/m),
    complete: num(/^Complete requests:\s+(\d+)/m),
    failed: num(/^Failed requests:\s+(\d+)/m) ?? 0,
    non2xx: num(/^Non-2xx responses:\s+(\d+)/m) ?? 0,
  };
}

function toMs(v, unit) {
  const n = Number(v);
  if (unit === 'us') return n / 1000;
  if (unit === 's') return n * 1000;
  if (unit === 'm') return n * 60_000;
  return n;
}

function parseWrk(out) {
  const lat = (pct) => {
    const m = new RegExp(`^\\s+${pct}%\\s+([\\d.]+)(us|ms|s|m)$`, 'm').exec(out);
    return m ? toMs(m[1], m[2]) : null;
  };
  const se = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = se ? { connect: +se[1], read: +se[2], write: +se[3], timeout: +se[4] } : { connect: 0, read: 0, write: 0, timeout: 0 };
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    rps: Number(/^Requests\/sec:\s+([\d.]+)/m.exec(out)?.[1] ?? NaN),
    requests: Number(/^\s+(\d+) requests in/m.exec(out)?.[1] ?? NaN),
    p50: lat(50),
    p99: lat(99),
    errors,
    errorTotal: errors.connect + errors.read + errors.write + errors.timeout + non2xx,
    non2xx,
  };
}

module.exports = { findTools, versions, machine, parseAb, parseWrk };
