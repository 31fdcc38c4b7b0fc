import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

/** Starts (and restarts) a child process that serves on `port`; stop() kills it. */
function supervise(command: string, args: string[], port: number, startTimeoutMs: number, cwd?: string) {
  let proc: ChildProcess | undefined;
  return {
    start: async () => {
      const child = spawn(command, args, { stdio: 'ignore', ...(cwd ? { cwd } : {}) });
      proc = child;
      await waitForPort(port, startTimeoutMs, () => (child.exitCode !== null ? `${command} exited with ${child.exitCode}` : undefined));
    },
    stop: async () => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
  };
}

/**
 * Starts squid from the system on a free loopback port with a generated config that allows
 * CONNECT to any port (the tests use high ports). Falls back to the `proxy` npm package when
 * squid is missing, except under CI=true.
 */
export async function startProxy(options: SquidOptions = {}): Promise<TestProxy> {
  const squid = requireTool('squid', 'apt-get install -y squid');
  if (!squid) return startEmbeddedProxy(options.port);
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-squid-'));
  chmodSync(dir, 0o777); // squid drops to the "proxy" user when started as root
  const port = options.port ?? (await freePort());
  const hosts = Object.entries(options.hosts ?? {})
    .map(([name, ip]) => `${ip} ${name}`)
    .join('\n');
  writeFileSync(join(dir, 'hosts'), `${hosts}\n`);
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
    'acl loopback src 127.0.0.0/8',
    'http_access allow loopback',
    'http_access deny all',
  ].join('\n');
  writeFileSync(join(dir, 'squid.conf'), `${conf}\n`);
  const { start, stop } = supervise(squid, ['-N', '-f', join(dir, 'squid.conf')], port, 15_000);
  await start();
  return {
    kind: 'squid',
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    accessLog: () => {
      try {
        return readFileSync(join(dir, 'access.log'), 'utf8');
      } catch {
        return '';
      }
    },
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
async function startEmbeddedProxy(fixedPort?: number): Promise<TestProxy> {
  const port = fixedPort ?? (await freePort());
  const script = `import('proxy').then(({ createProxy }) => createProxy(require('node:http').createServer()).listen(${port}, '127.0.0.1'))`;
  const { start, stop } = supervise(process.execPath, ['-e', script], port, 10_000, join(__dirname, '..', '..'));
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
