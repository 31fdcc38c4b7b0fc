import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForPort } from './ports';
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
export function writeSquidConf(dir: string, port: number, access: string[] = ['acl loopback src 127.0.0.0/8', 'http_access allow loopback']): string {
  const conf = [
    `http_port 127.0.0.1:${port}`,
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
  if (process.getuid?.() !== 0) {
    if (process.env.CI === 'true') throw new Error('this test needs root, and CI=true requires it (CI runs as root)');
    return 'needs root (squid drops to the proxy user, helpers need private mounts)';
  }
  return undefined;
}

/**
 * Starts squid from the system on a free loopback port with a generated config that allows
 * CONNECT to any port (the tests use high ports). Falls back to the `proxy` npm package when
 * squid is missing, except under CI=true.
 */
export async function startProxy(options: SquidOptions = {}): Promise<TestProxy> {
  const squid = requireTool('squid', 'apt-get install -y squid');
  if (!squid) return startEmbeddedProxy(options.port, options.hosts);
  const dir = squidDir();
  const port = options.port ?? (await freePort());
  const hosts = Object.entries(options.hosts ?? {})
    .map(([name, ip]) => `${ip} ${name}`)
    .join('\n');
  writeFileSync(join(dir, 'hosts'), `${hosts}\n`);
  writeSquidConf(dir, port);
  const { start, stop } = supervise(squid, ['-N', '-f', join(dir, 'squid.conf')], port, 15_000);
  await start();
  return {
    kind: 'squid',
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: squidAccessLog(dir),
    stop: async () => {
      await stop();
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
