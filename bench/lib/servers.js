'use strict';
// squid and nginx with generated configs on free loopback ports (after test/support/squid.ts).
const fs = require('node:fs');
const path = require('node:path');
const { spawnTracked } = require('./proc');
const { waitPort } = require('./net');

/**
 * squid: CONNECT allowed to any port from loopback, nothing cached, one access-log line per
 * request or tunnel with the client's source port (so tunnels can be counted per path).
 */
async function startSquid({ bin, dir, port, basicAuth = false, name = 'squid', hosts = {} }) {
  const sdir = path.join(dir, name);
  fs.mkdirSync(sdir, { recursive: true });
  fs.chmodSync(sdir, 0o777); // squid drops to the "proxy" user when started as root
  const conf = [
    `http_port 127.0.0.1:${port}`,
    `pid_filename ${sdir}/squid.pid`,
    `cache_log ${sdir}/cache.log`,
    'logformat bench %ts.%03tu %>a:%>p %Ss/%03>Hs %<st %rm %ru',
    `access_log stdio:${sdir}/access.log bench`,
    `coredump_dir ${sdir}`,
    `hosts_file ${sdir}/hosts`,
    'dns_nameservers 127.0.0.1',
    'cache deny all',
    'cache_mem 8 MB',
    'max_filedescriptors 65536',
    'visible_hostname ptunnel-bench',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
    'client_idle_pconn_timeout 10 minutes',
    'acl CONNECT method CONNECT',
    'acl loopback src 127.0.0.0/8',
    // Basic through a helper that accepts any user: the cost measured is the 407 round and
    // squid's helper call, not a password check.
    ...(basicAuth
      ? [`auth_param basic program ${path.join(path.dirname(bin) === '/usr/sbin' ? '/usr/lib/squid' : path.dirname(bin), 'basic_fake_auth')}`, 'auth_param basic children 2', 'acl authed proxy_auth REQUIRED', 'http_access allow loopback authed']
      : ['http_access allow loopback']),
    'http_access deny all',
  ].join('\n');
  // The SOCKS rows send a host name that squid must resolve itself: from this file, as the
  // direct rows' ptunnel resolves it from dnsmasq.
  const hostLines = Object.entries(hosts).map(([n, a]) => `${a} ${n}\n`).join('');
  fs.writeFileSync(path.join(sdir, 'hosts'), `127.0.0.1 localhost\n${hostLines}`);
  fs.writeFileSync(path.join(sdir, 'squid.conf'), `${conf}\n`);
  const child = spawnTracked(name, bin, ['-n', `ptbench${process.pid}${name.replace(/[^A-Za-z0-9]/g, '')}`, '-N', '-f', path.join(sdir, 'squid.conf')], {
    logFile: path.join(dir, `${name}.out`),
  });
  await waitPort(port, 20_000, child);
  return {
    child,
    port,
    accessLog: () => {
      try {
        return fs.readFileSync(path.join(sdir, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/**
 * nginx in the foreground, one process, listening on one port per measured path (so each
 * path's requests can be told apart), serving a small page and a sparse 1 GiB file. Requests
 * under /w/ (used by wrk) are logged with the connection serial, to count connections served.
 */
async function startNginx({ bin, dir, ports, bigSize, pageSize = 612 }) {
  const ndir = path.join(dir, 'nginx');
  const www = path.join(ndir, 'www');
  fs.mkdirSync(www, { recursive: true });
  const page = `<!DOCTYPE html><html><head><title>bench</title></head><body>${'x'.repeat(
    Math.max(0, pageSize - 76),
  )}</body></html>\n`;
  fs.writeFileSync(path.join(www, 'index.html'), page);
  const big = path.join(www, 'big.bin');
  const fd = fs.openSync(big, 'w');
  fs.ftruncateSync(fd, bigSize); // sparse: reads as zeros, costs no disk
  fs.closeSync(fd);
  const listens = ports.map((p) => `    listen 127.0.0.1:${p} backlog=4096;`).join('\n');
  const conf = `daemon off;
master_process off;
worker_processes 1;
worker_rlimit_nofile 65536;
pid ${ndir}/nginx.pid;
error_log ${ndir}/error.log warn;
events { worker_connections 40000; }
http {
  access_log off;
  client_body_temp_path ${ndir}/body;
  proxy_temp_path ${ndir}/proxy;
  fastcgi_temp_path ${ndir}/fastcgi;
  uwsgi_temp_path ${ndir}/uwsgi;
  scgi_temp_path ${ndir}/scgi;
  types { text/html html; application/octet-stream bin; }
  sendfile on;
  tcp_nopush on;
  tcp_nodelay on;
  keepalive_timeout 600s;
  keepalive_requests 10000000;
  client_header_timeout 600s;
  send_timeout 600s;
  log_format conn '$server_port $connection $status';
  server {
${listens}
    root ${www};
    location /w/ {
      alias ${www}/;
      access_log ${ndir}/wrk.log conn buffer=256k flush=500ms;
    }
  }
}
`;
  fs.writeFileSync(path.join(ndir, 'nginx.conf'), conf);
  const child = spawnTracked('nginx', bin, ['-p', ndir, '-c', path.join(ndir, 'nginx.conf')], {
    logFile: path.join(dir, 'nginx.out'),
  });
  for (const p of ports) await waitPort(p, 10_000, child);
  return {
    child,
    pageBytes: Buffer.byteLength(page),
    wrkLogPath: path.join(ndir, 'wrk.log'),
  };
}

/** dnsmasq answering only `hosts` (name -> IPv4), for ptunnel's own resolver on the direct rows. */
async function startDnsmasq({ bin, dir, port, hosts }) {
  const args = ['--no-daemon', `--port=${port}`, '--listen-address=127.0.0.1', '--bind-interfaces', '--no-resolv', '--no-hosts', '--conf-file=/dev/null', '--pid-file=', '--local-ttl=300'];
  if (process.getuid?.() === 0) args.push('--user=root', '--group=root');
  for (const [name, address] of Object.entries(hosts)) args.push(`--host-record=${name},${address}`);
  const child = spawnTracked('dnsmasq', bin, args, { logFile: path.join(dir, 'dnsmasq.out') });
  await waitPort(port, 10_000, child);
  return { child, port };
}

/** microsocks 1.0.3: a thread per connection, no authentication. */
async function startMicrosocks({ bin, dir, port }) {
  const child = spawnTracked('microsocks', bin, ['-i', '127.0.0.1', '-p', String(port)], { logFile: path.join(dir, 'microsocks.out') });
  await waitPort(port, 10_000, child);
  return { child, port };
}

/** Dante's danted in the foreground: its own pools of negotiate, request and io processes. */
async function startDante({ bin, dir, port }) {
  const ddir = path.join(dir, 'danted');
  fs.mkdirSync(ddir, { recursive: true });
  const conf = [
    `logoutput: ${ddir}/danted.log`,
    `internal: 127.0.0.1 port = ${port}`,
    'external: 127.0.0.1',
    'clientmethod: none',
    'socksmethod: none',
    ...(process.getuid?.() === 0 ? ['user.privileged: root', 'user.unprivileged: nobody'] : []),
    'client pass { from: 127.0.0.0/8 to: 0.0.0.0/0 }',
    'socks pass { from: 127.0.0.0/8 to: 0.0.0.0/0 command: connect }',
  ].join('\n');
  fs.writeFileSync(path.join(ddir, 'danted.conf'), `${conf}\n`);
  const child = spawnTracked('danted', bin, ['-f', path.join(ddir, 'danted.conf'), '-p', path.join(ddir, 'danted.pid')], { logFile: path.join(dir, 'danted.out') });
  await waitPort(port, 10_000, child);
  return { child, port };
}

module.exports = { startSquid, startNginx, startDnsmasq, startMicrosocks, startDante };
