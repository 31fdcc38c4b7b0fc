import net from 'node:net';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, cleanEnv } from '../support/cli';

/**
 * ptunnel as a child process, for measurements that must not include the test's own memory and
 * descriptors. Unlike support/cli.ts's startCli it reads stderr line by line and keeps no growing
 * string (a soak logs tens of thousands of lines), and it can run under a shell `ulimit -n`.
 */
export interface Child {
  proc: ChildProcess;
  pid: number;
  /** Local ports from the "listening on" lines, in order. */
  ports: number[];
  /** Every log line so far (text format), unless `keepLines` was false. */
  lines: string[];
  /** Called for each log line. */
  onLine(listener: (line: string) => void): void;
  exited: Promise<number | null>;
  running(): boolean;
  stop(): Promise<void>;
}

export interface ChildOptions {
  /** Run under `ulimit -n N` (via bash, which execs node so the pid is ptunnel's). */
  fdLimit?: number;
  keepLines?: boolean;
  /** Flags for node itself, before the CLI (e.g. a probe to preload). */
  nodeArgs?: string[];
  /** Added to the clean environment. */
  env?: NodeJS.ProcessEnv;
}

export function startChild(args: string[], tunnels: number, options: ChildOptions = {}): Promise<Child> {
  const argv = [...(options.nodeArgs ?? []), CLI, '--log-format', 'text', ...args];
  const env = cleanEnv(options.env);
  const proc =
    options.fdLimit === undefined
      ? spawn(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] })
      : spawn('bash', ['-c', `ulimit -n ${options.fdLimit} && exec "$0" "$@"`, process.execPath, ...argv], {
          env,
          stdio: ['ignore', 'ignore', 'pipe'],
        });
  const lines: string[] = [];
  const listeners: Array<(line: string) => void> = [];
  const keep = options.keepLines !== false;
  const ports: number[] = [];
  let partial = '';
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    let ready = false;
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (text: string) => {
      const parts = (partial + text).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) {
        if (keep) lines.push(line);
        for (const l of listeners) l(line);
        const m = /listening on \S+:(\d+) ->/.exec(line);
        if (m && !ready) {
          ports.push(Number(m[1]));
          if (ports.length >= tunnels) {
            ready = true;
            resolve({
              proc,
              pid: proc.pid as number,
              ports,
              lines,
              onLine: (l) => listeners.push(l),
              exited,
              running: () => exitCode === undefined,
              stop: async () => {
                if (exitCode !== undefined) return;
                proc.kill('SIGKILL');
                await exited;
              },
            });
          }
        }
      }
    });
    void exited.then((code) => {
      if (!ready) reject(new Error(`ptunnel exited with ${code} before listening:\n${lines.join('\n')}${partial}`));
    });
  });
}

/** Resident set size of a process, in bytes (VmRSS from /proc/PID/status). */
export function rssBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Open file descriptors of a process. */
export function fdCount(pid: number): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

export const MiB = 1024 * 1024;
export const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns true or `ms` pass; returns its last answer. */
export async function settle(check: () => boolean, ms: number, every = 250): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (check()) return true;
    if (Date.now() > deadline) return false;
    await sleep(every);
  }
}

/** Writes `text` and resolves true once it has come back whole, false after 5 s. */
export function echoes(socket: net.Socket, text: string): Promise<boolean> {
  let got = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), 5000);
    const onData = (d: Buffer) => {
      got += d.toString();
      if (got === text) {
        clearTimeout(timer);
        socket.removeListener('data', onData);
        resolve(true);
      }
    };
    socket.on('data', onData);
    socket.write(text);
  });
}

/** Node flags and environment that make `heapAfterGc` work on a child (test/support/gc-probe.js). */
export function gcProbe(file: string): Pick<ChildOptions, 'nodeArgs' | 'env'> {
  return { nodeArgs: ['--expose-gc', '-r', join(__dirname, '..', 'support', 'gc-probe.js')], env: { PTUNNEL_TEST_GC_OUT: file } };
}

/** The child's V8 heap in use right after a full collection (the child runs with gcProbe(file)). */
export async function heapAfterGc(child: Child, file: string): Promise<number> {
  rmSync(file, { force: true });
  child.proc.kill('SIGUSR2');
  for (let i = 0; i < 200 && !existsSync(file); i += 1) await sleep(25);
  return (JSON.parse(readFileSync(file, 'utf8')) as { heapUsed: number }).heapUsed;
}
