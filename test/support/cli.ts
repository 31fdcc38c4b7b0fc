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

/** The CLI run without blocking this process: the ptunnel it asks may be a child of this test too. */
export function cliAsync(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs the built CLI (or `command`, e.g. the one-file executable) to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv(), command: string[] = [process.execPath, CLI]) {
  const [file, ...pre] = command as [string, ...string[]];
  const r = spawnSync(file, [...pre, ...args], { env, encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningCli {
  proc: ChildProcess;
  stderr(): string;
  /** Local ports from the "listening on" lines, in order. */
  ports: number[];
  exited: Promise<number | null>;
}

/** How to start ptunnel: the command line to run it (the binary, say), or a wrapper around node. */
export type Launch = string[] | ((command: string, args: string[]) => [string, string[]]);

/**
 * Starts the CLI and resolves once it logged a "listening on" line for each tunnel. `launch` is
 * the command to run (default node dist/main.js), or a wrapper that runs node under another
 * command (the Negotiate squid's private mount namespace, see kdc.ts).
 */
export function startCli(args: string[], tunnels: number, env: NodeJS.ProcessEnv = cleanEnv(), launch: Launch = [process.execPath, CLI]): Promise<RunningCli> {
  const argv = ['--log-format', 'text', ...args];
  const [command, commandArgs] =
    typeof launch === 'function' ? launch(process.execPath, [CLI, ...argv]) : [launch[0] as string, [...launch.slice(1), ...argv]];
  const proc = spawn(command, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
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
