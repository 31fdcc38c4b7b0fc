import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, CLI, RunningCli, startCli } from './cli';
import { serve, TestServer } from './servers';

/*
 * V8's heap sizes of a ptunnel after a stream of short connections, measured from outside: a
 * probe loaded with `node -r` (heap-probe.js) writes them on SIGUSR2. The direct tunnel leads to
 * a server that answers "pong" to each client's end.
 */

const PROBE = path.join(__dirname, 'heap-probe.js');

export interface HeapSizes {
  newSpaceBytes: number;
  oldSpaceBytes: number;
}

export interface ChurnOptions {
  connections: number;
  /** NODE_OPTIONS for the ptunnel. */
  nodeOptions?: string;
  /** Flags on node's own command line (some, such as --heap-growing-percent, NODE_OPTIONS refuses). */
  nodeArgs?: string[];
}

async function churn(port: number, count: number): Promise<void> {
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.end('ping'));
      s.on('data', () => undefined);
      s.on('close', () => resolve());
      s.on('error', reject);
    });
  for (let i = 0; i < count; i += 5) await Promise.all([one(), one(), one(), one(), one()]);
}

export async function heapAfterChurn(serverPort: number, opts: ChurnOptions): Promise<HeapSizes> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptunnel-heap-')), 'heap.json');
  const env = cleanEnv({ NODE_OPTIONS: opts.nodeOptions ?? '', PTUNNEL_TEST_HEAP_OUT: out });
  let cli: RunningCli | undefined;
  try {
    cli = await startCli(['--mode', 'direct', `0:127.0.0.1:${serverPort}`], 1, env, [process.execPath, ...(opts.nodeArgs ?? []), '-r', PROBE, CLI]);
    await churn(cli.ports[0] as number, opts.connections);
    cli.proc.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(out); i += 1) await new Promise((r) => setTimeout(r, 50));
    return JSON.parse(fs.readFileSync(out, 'utf8')) as HeapSizes;
  } finally {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

/** The server heapAfterChurn's tunnel leads to. */
export function pongServer(): Promise<TestServer> {
  return serve((s) => {
    s.on('data', () => undefined);
    s.on('end', () => s.end('pong'));
  });
}
