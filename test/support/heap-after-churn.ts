import net from 'node:net';
import { probedRun } from './probed-cli';
import { serve, TestServer } from './servers';

/*
 * V8's heap sizes of a ptunnel after a stream of short connections, measured from outside by
 * heap-probe.js. The direct tunnel leads to a server that answers "pong" to each client's end.
 */

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

export function heapAfterChurn(serverPort: number, opts: ChurnOptions): Promise<HeapSizes> {
  return probedRun<HeapSizes>({
    probe: 'heap-probe.js',
    outVar: 'PTUNNEL_TEST_HEAP_OUT',
    args: ['--mode', 'direct', `0:127.0.0.1:${serverPort}`],
    env: { NODE_OPTIONS: opts.nodeOptions ?? '' },
    nodeArgs: opts.nodeArgs ?? [],
    during: (cli) => churn(cli.ports[0] as number, opts.connections),
  });
}

/** The server heapAfterChurn's tunnel leads to. */
export function pongServer(): Promise<TestServer> {
  return serve((s) => {
    s.on('data', () => undefined);
    s.on('end', () => s.end('pong'));
  });
}
