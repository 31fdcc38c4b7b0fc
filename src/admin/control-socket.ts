import { existsSync, lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs';
import http from 'node:http';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log/logger';
import type { ServiceSnapshot } from '../tunnel/snapshot';

/**
 * The control socket: every running ptunnel answers GET /status and /readyz on a Unix socket
 * (a named pipe on Windows) that only its own user can reach, so that `ptunnel status` and
 * `ptunnel health` need no --admin. It is not TCP: no browser can reach it, no Host check needed.
 * One socket per process, named by pid, in one folder: discovery is listing that folder.
 */

export interface ControlSocket {
  path: string;
  close(): Promise<void>;
}

const SUFFIX = '.sock';
const WINDOWS = process.platform === 'win32';

function userName(): string {
  try {
    return userInfo().username.replace(/[^A-Za-z0-9._-]/g, '_');
  } catch {
    return String(process.getuid?.() ?? 'user');
  }
}

/**
 * The folder of the control sockets: $XDG_RUNTIME_DIR/ptunnel (a tmpfs only the user can enter),
 * else a folder of the user's own under the temp dir, mode 0700.
 */
export function controlDir(env: NodeJS.ProcessEnv = process.env): string {
  if (WINDOWS) return '\\\\.\\pipe\\';
  const runtime = env.XDG_RUNTIME_DIR;
  if (runtime !== undefined && runtime !== '' && existsSync(runtime)) return join(runtime, 'ptunnel');
  return join(env.TMPDIR || tmpdir(), `ptunnel-${process.getuid?.() ?? userName()}`);
}

/** Services opened in this process so far: a test may run several in one process. */
let opened = 0;

/** `PID` for a process's first service, `PID-N` for the next ones. */
export function controlPath(pid: number, env: NodeJS.ProcessEnv = process.env, n = 0): string {
  const name = n === 0 ? String(pid) : `${pid}-${n}`;
  if (WINDOWS) return `\\\\.\\pipe\\ptunnel-${userName()}-${name}`;
  return join(controlDir(env), `${name}${SUFFIX}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: someone else's process holds that pid now; the socket is not ours to judge.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The control sockets of the running ptunnels of this user, by pid; sockets left by a process
 * that died (SIGKILL, a crash) are removed on the way.
 */
export function discoverControlSockets(env: NodeJS.ProcessEnv = process.env): { pid: number; path: string }[] {
  const dir = controlDir(env);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const prefix = WINDOWS ? `ptunnel-${userName()}-` : '';
  const found: { pid: number; path: string }[] = [];
  for (const name of names) {
    const text = WINDOWS ? (name.startsWith(prefix) ? name.slice(prefix.length) : '') : name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : '';
    const m = /^(\d+)(?:-\d+)?$/.exec(text);
    if (!m) continue;
    const pid = Number(m[1]);
    const path = WINDOWS ? `\\\\.\\pipe\\${name}` : join(dir, name);
    if (!alive(pid)) {
      if (!WINDOWS) {
        try {
          unlinkSync(path);
        } catch {
          // another ptunnel cleaned it first
        }
      }
      continue;
    }
    found.push({ pid, path });
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/** Makes the folder, or checks the one there is: ours, a real folder, no one else may enter. */
function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  if (!st.isDirectory()) throw new Error(`${dir} is not a folder`);
  if (process.getuid && st.uid !== process.getuid()) throw new Error(`${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) throw new Error(`${dir} may be entered by other users (mode ${(st.mode & 0o777).toString(8)}); make it 0700`);
}

/** The status body's code, loaded by the first `ptunnel status` (start-up time). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const statusBody = (s: ServiceSnapshot) => (require('./status') as typeof import('./status')).statusBody(s);

/**
 * Opens this process's control socket. Never throws: where it cannot be made (a read-only
 * container, a foreign folder) ptunnel runs on without it and says so once.
 */
export async function openControlSocket(snapshot: () => ServiceSnapshot, logger: Logger, env: NodeJS.ProcessEnv = process.env): Promise<ControlSocket | undefined> {
  const path = controlPath(process.pid, env, opened++);
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const s = snapshot();
    switch (url) {
      case '/status':
        return send(200, `${JSON.stringify({ pid: process.pid, ...statusBody(s) }, null, 2)}\n`, 'application/json');
      case '/readyz':
        if (s.draining) return send(503, 'draining\n');
        return s.started ? send(200, 'ok\n') : send(503, 'starting\n');
      default:
        return send(404, 'not found: try /status, /readyz\n');
    }
  });
  try {
    if (!WINDOWS) {
      ensureDir(controlDir(env));
      discoverControlSockets(env);
      // A socket under our own pid can only be a leftover of a process that had the pid before.
      if (existsSync(path)) unlinkSync(path);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // The folder is 0700 already; the umask keeps the socket from being group-usable for a moment.
      const mask = WINDOWS ? undefined : process.umask(0o177);
      try {
        server.listen(path, () => resolve());
      } finally {
        if (mask !== undefined) process.umask(mask);
      }
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    logger.warn(`control socket not opened at ${path}: ${e.code ?? e.message}; "ptunnel status" needs --admin ADDR:PORT here`);
    server.close();
    return undefined;
  }
  const unlink = () => {
    if (WINDOWS) return;
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
  // A process that exits without a drain (a second SIGTERM, process.exit) still leaves no socket.
  process.once('exit', unlink);
  logger.debug(`control socket on ${path}`);
  return {
    path,
    close: () =>
      new Promise<void>((resolve) => {
        process.removeListener('exit', unlink);
        server.closeAllConnections();
        server.close(() => {
          unlink();
          resolve();
        });
      }),
  };
}

/** Where a command finds a running ptunnel: a control socket, or an admin server's address. */
export type ControlTarget = { socketPath: string } | { host: string; port: number };

/**
 * One GET to a running ptunnel, with a deadline for the whole request; rejects with the
 * socket's error code or "no answer within". The body is bounded: whatever answers is not trusted.
 */
export function controlGet(target: ControlTarget, path: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const where = 'socketPath' in target ? { socketPath: target.socketPath } : { host: target.host, port: target.port };
    const req = http.get({ ...where, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 4 * 1024 * 1024) body += c;
      });
      res.on('end', () => {
        clearTimeout(deadline);
        resolve({ status: res.statusCode ?? 0, body });
      });
      res.on('error', () => undefined);
    });
    const deadline = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (err) => {
      clearTimeout(deadline);
      reject(new Error((err as NodeJS.ErrnoException).code ?? err.message));
    });
  });
}
