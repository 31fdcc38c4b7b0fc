import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports';
import { needsRoot } from './root';
import { requireTool } from './tools';

export interface TestProxy {
  kind: 'squid' | 'embedded';
  host: string;
  port: number;
  url: string;
  /** CONNECT lines squid logged (empty for the embedded proxy). */
  accessLog(): string;
  stop(): Promise<void>;
  /** Kills the proxy but keeps its port and files, for outage tests; `restart` brings it back. */
  kill(): Promise<void>;
  restart(): Promise<void>;
}

export interface SquidOptions {
  /** Name -> address entries squid resolves with (it reaches no DNS in tests). */
  hosts?: Record<string, string>;
  /** Basic auth: squid needs a helper; only the embedded proxy supports it here. */
  port?: number;
  /** CONNECT only to these ports (a corporate squid's SSL_ports: [443]); others get 403. */
  connectPorts?: number[];
  /** Every request needs Basic auth (any user and password pass: basic_fake_auth); none gets 407. */
  requireAuth?: boolean;
  /**
   * TLS inspection: squid-openssl with ssl_bump, minting each site's certificate from this CA
   * (PEM certificate and key), as a corporate proxy does. Needs SQUID_OPENSSL (see below).
   */
  sslBump?: { cert: Buffer; key: Buffer };
}

/**
 * squid-openssl conflicts with squid as a Debian package (both ship /usr/sbin/squid), so it is
 * unpacked beside it (dpkg -x, see .ci/run) and used only by the ssl_bump squid.
 */
export const SQUID_OPENSSL = process.env.PTUNNEL_SQUID_OPENSSL ?? '/opt/squid-openssl/usr/sbin/squid';
const SQUID_OPENSSL_LIB = join(SQUID_OPENSSL, '..', '..', 'lib', 'squid');

/** Why the ssl_bump squid cannot run here, or undefined when it can. */
export function sslBumpUnavailable(): string | undefined {
  if (existsSync(SQUID_OPENSSL)) return undefined;
  const reason = `squid-openssl is not unpacked at ${SQUID_OPENSSL} (apt-get download squid-openssl && dpkg -x squid-openssl_*.deb /opt/squid-openssl)`;
  if (process.env.CI === 'true') throw new Error(reason);
  return reason;
}

/** The http_port and access lines for the options beyond the default "loopback may CONNECT anywhere". */
function optionLines(dir: string, port: number, options: SquidOptions): { port: string; access: string[] } {
  const access = ['acl loopback src 127.0.0.0/8'];
  let httpPort = `http_port 127.0.0.1:${port}`;
  if (options.connectPorts) {
    access.push(`acl allowed_ports port ${options.connectPorts.join(' ')}`, 'http_access deny CONNECT !allowed_ports');
  }
  if (options.requireAuth) {
    access.push(
      'auth_param basic program /usr/lib/squid/basic_fake_auth',
      'auth_param basic realm ptunnel-test',
      'acl authed proxy_auth REQUIRED',
      'http_access deny !authed',
    );
  }
  if (options.sslBump) {
    writeFileSync(join(dir, 'bump.pem'), Buffer.concat([options.sslBump.cert, Buffer.from('\n'), options.sslBump.key]));
    execFileSync(join(SQUID_OPENSSL_LIB, 'security_file_certgen'), ['-c', '-s', join(dir, 'ssl_db'), '-M', '4MB'], { stdio: 'pipe' });
    execFileSync('chown', ['-R', 'proxy', join(dir, 'ssl_db')]);
    httpPort = `http_port 127.0.0.1:${port} ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=4MB tls-cert=${dir}/bump.pem`;
    access.push(
      `sslcrtd_program ${join(SQUID_OPENSSL_LIB, 'security_file_certgen')} -s ${dir}/ssl_db -M 4MB`,
      'sslcrtd_children 2 startup=1 idle=1',
      'tls_outgoing_options flags=DONT_VERIFY_PEER',
      'sslproxy_cert_error allow all',
      'acl step1 at_step SslBump1',
      'ssl_bump peek step1',
      'ssl_bump bump all',
      'on_unsupported_protocol tunnel all',
    );
  }
  access.push('http_access allow loopback');
  return { port: httpPort, access };
}

export interface SuperviseOptions {
  cwd?: string;
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts (and restarts) a child process that serves on `port`; stop() kills it. The tail of its
 * output goes into the error when it dies before listening, which is where a bad config shows.
 */
export function supervise(command: string, args: string[], port: number, startTimeoutMs: number, options: SuperviseOptions = {}) {
  let proc: ChildProcess | undefined;
  return {
    start: async () => {
      const child = spawn(command, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(options.cwd ? { cwd: options.cwd } : {}),
        ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
      });
      proc = child;
      let output = '';
      const keep = (d: Buffer) => void (output = (output + d.toString()).slice(-2000));
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      await waitForPort(port, startTimeoutMs, () =>
        child.exitCode !== null || child.signalCode !== null ? `${command} exited with ${child.exitCode ?? child.signalCode}: ${output.trim()}` : undefined,
      );
    },
    stop: async () => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
      // A grandchild that outlived it would hold the pipes open and keep jest waiting.
      p.stdout?.destroy();
      p.stderr?.destroy();
    },
  };
}

let services = 0;

/**
 * A service name of its own for each test squid (`squid -n NAME`). squid names its shared
 * memory segments after it (/dev/shm/squid-cf__queues.shm ...): squids started at the same
 * time by parallel test files would otherwise share, or unlink, each other's segments, and a
 * squid run by another user cannot open them at all.
 */
export function squidServiceName(): string {
  services += 1;
  return `ptunnel${process.pid}x${services}`;
}

/** Removes the shared memory segments a stopped squid of this service name left behind. */
export function removeSquidSegments(service: string): void {
  let names: string[];
  try {
    names = readdirSync('/dev/shm');
  } catch {
    return;
  }
  for (const n of names) if (n.startsWith(`${service}-`)) rmSync(join('/dev/shm', n), { force: true });
}

/** A folder for one squid: squid drops to the "proxy" user when started as root, so 0777. */
export function squidDir(prefix = 'ptunnel-squid-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o777);
  return dir;
}

/**
 * squid.conf for a test squid in `dir` on 127.0.0.1:port: no cache, no DNS, CONNECT to any port.
 * `access` replaces the default "loopback may use it" rules (an authenticating squid passes
 * its auth_param and acl lines there); `deny all` always ends the list.
 */
export function writeSquidConf(
  dir: string,
  port: number,
  access: string[] = ['acl loopback src 127.0.0.0/8', 'http_access allow loopback'],
  httpPort = `http_port 127.0.0.1:${port}`,
): string {
  const conf = [
    httpPort,
    `pid_filename ${dir}/squid.pid`,
    `cache_log ${dir}/cache.log`,
    `access_log stdio:${dir}/access.log`,
    `coredump_dir ${dir}`,
    `hosts_file ${dir}/hosts`,
    'dns_nameservers 127.0.0.1',
    'cache deny all',
    'cache_mem 8 MB',
    'visible_hostname ptunnel-test',
    'pinger_enable off',
    'shutdown_lifetime 0 seconds',
    'acl CONNECT method CONNECT',
    ...access,
    'http_access deny all',
  ].join('\n');
  const path = join(dir, 'squid.conf');
  writeFileSync(path, `${conf}\n`);
  if (!existsSync(join(dir, 'hosts'))) writeFileSync(join(dir, 'hosts'), '\n');
  return path;
}

/** The access log of the squid in `dir` (empty before its first request). */
export function squidAccessLog(dir: string): () => string {
  return () => {
    try {
      return readFileSync(join(dir, 'access.log'), 'utf8');
    } catch {
      return '';
    }
  };
}

/**
 * Why a test that needs root and these tools (name -> install hint) cannot run here, or
 * undefined when it can. Under CI=true a missing tool or root is a failure, never a skip.
 */
export function unavailableReason(tools: Record<string, string>): string | undefined {
  for (const [name, hint] of Object.entries(tools)) {
    if (!requireTool(name, hint)) return `${name} is not installed (${hint})`;
  }
  return needsRoot('squid drops to the proxy user, helpers need private mounts');
}

/**
 * Starts squid from the system on a free loopback port with a generated config that allows
 * CONNECT to any port (the tests use high ports). Falls back to the `proxy` npm package when
 * squid is missing, except under CI=true.
 */
export async function startProxy(options: SquidOptions = {}): Promise<TestProxy> {
  const squid = options.sslBump ? SQUID_OPENSSL : requireTool('squid', 'apt-get install -y squid');
  if (!squid) {
    if (options.connectPorts || options.requireAuth) throw new Error('a squid with access rules needs squid (apt-get install -y squid)');
    return startEmbeddedProxy(options.port, options.hosts);
  }
  const dir = squidDir();
  const port = options.port ?? (await freePort());
  const hosts = Object.entries(options.hosts ?? {})
    .map(([name, ip]) => `${ip} ${name}`)
    .join('\n');
  writeFileSync(join(dir, 'hosts'), `${hosts}\n`);
  const custom = options.connectPorts || options.requireAuth || options.sslBump ? optionLines(dir, port, options) : undefined;
  if (custom) writeSquidConf(dir, port, custom.access, custom.port);
  else writeSquidConf(dir, port);
  const service = squidServiceName();
  const { start, stop } = supervise(squid, ['-n', service, '-N', '-f', join(dir, 'squid.conf')], port, 15_000);
  await start();
  return {
    kind: 'squid',
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: squidAccessLog(dir),
    stop: async () => {
      await stop();
      removeSquidSegments(service);
      rmSync(dir, { recursive: true, force: true });
    },
    kill: stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/**
 * The `proxy` npm package, run in a child process: it is an ES module, which jest's CommonJS
 * runtime cannot load in-process.
 */
async function startEmbeddedProxy(fixedPort?: number, hosts: Record<string, string> = {}): Promise<TestProxy> {
  const port = fixedPort ?? (await freePort());
  // The names squid would take from its hosts file: the proxy dials through dns.lookup, which
  // answers them first here.
  const names = `const names = ${JSON.stringify(hosts)}; const dns = require('node:dns'); const real = dns.lookup; dns.lookup = (h, o, cb) => { const ip = names[String(h).toLowerCase()]; if (!ip) return real(h, o, cb); const f = require('node:net').isIPv6(ip) ? 6 : 4; const all = typeof o === 'object' && o && o.all; (cb || o)(null, all ? [{ address: ip, family: f }] : ip, f); };`;
  const script = `${names} import('proxy').then(({ createProxy }) => createProxy(require('node:http').createServer()).listen(${port}, '127.0.0.1'))`;
  const { start, stop } = supervise(process.execPath, ['-e', script], port, 10_000, { cwd: join(__dirname, '..', '..') });
  await start();
  return {
    kind: 'embedded',
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: () => '',
    stop,
    kill: stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

/** The uid of `proxy`, the user squid drops to and runs its helpers as. */
export function proxyUid(): number {
  return Number(execFileSync('id', ['-u', 'proxy'], { encoding: 'utf8' }).trim());
}
