import { spawn } from 'node:child_process';
import { CLI, RunningCli } from '../../support/cli';

type Wrap = (command: string, args: string[]) => [string, string[]];

/**
 * startCli, run under `wrap` (the Negotiate squid's private mount namespace, where the proxy's
 * host name resolves). The environment is the child's only source of Kerberos settings:
 * GSSAPI reads the C environment, which jest's sandboxed process.env never reaches.
 */
export function startWrappedCli(wrap: Wrap, args: string[], tunnels: number, env: NodeJS.ProcessEnv): Promise<RunningCli> {
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
