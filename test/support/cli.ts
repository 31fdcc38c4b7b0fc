import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'main.js');

/**
 * Environment for a child ptunnel: no proxy variables inherited from the machine, and a DNS
 * list that answers nothing (a closed loopback port), so that no test ever queries the
 * machine's resolvers or the public DoH servers of the default list by accident.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(https?_proxy|all_proxy|no_proxy|PTUNNEL_.*)$/i.test(k)) env[k] = v;
  }
  return { ...env, ...TEST_ENV, ...extra };
}

export const TEST_ENV: NodeJS.ProcessEnv = { PTUNNEL_DNS: '127.0.0.1:1' };

/** Runs the built CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCli {
  proc: ChildProcess;
  stderr(): string;
  /** Local ports from the "listening on" lines, in order. */
  ports: number[];
  exited: Promise<number | null>;
}

/**
 * Starts the CLI and resolves once it logged a "listening on" line for each tunnel. `wrap` runs
 * it under another command (the Negotiate squid's private mount namespace, see kdc.ts).
 */
export function startCli(
  args: string[],
  tunnels: number,
  env: NodeJS.ProcessEnv = cleanEnv(),
  wrap: (command: string, args: string[]) => [string, string[]] = (command, argv) => [command, argv],
): Promise<RunningCli> {
  const [command, argv] = wrap(process.execPath, [CLI, '--log-format', 'text', ...args]);
  const proc = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const ports: number[] = [];
    proc.stderr?.on('data', (c: Buffer) => {
      err += c.toString();
      const found = [...err.matchAll(/listening on \S+:(\d+) ->/g)].map((m) => Number(m[1]));
      if (found.length >= tunnels && ports.length === 0) {
        ports.push(...found);
        resolve({ proc, stderr: () => err, ports, exited });
      }
    });
    exited.then((code) => reject(new Error(`ptunnel exited with ${code} before listening: ${err}`)));
  });
}

/** An in-process CommandIo that keeps what a command writes. */
export function captureIo(env: NodeJS.ProcessEnv = {}) {
  const out = { stdout: '', stderr: '' };
  return { out, io: { stdout: (t: string) => void (out.stdout += t), stderr: (t: string) => void (out.stderr += t), env } };
}
