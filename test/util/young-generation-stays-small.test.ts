import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { cleanEnv, CLI, RunningCli, startCli } from '../support/cli';
import { serve, TestServer } from '../support/servers';

// A stream of short connections makes V8 grow its young generation towards 16 MiB per
// semi-space, RSS that is never given back; ptunnel keeps it at its starting size unless node's
// own flags say otherwise (src/util/heap.ts). Measured from outside: the size of the new space
// after a few thousand connections, read by a probe loaded with `node -r`.

const PROBE = path.join(__dirname, '..', 'support', 'heap-probe.js');
const CONNECTIONS = 3000;
const MiB = 1024 * 1024;

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

async function newSpaceAfterChurn(server: TestServer, nodeOptions: string): Promise<number> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptunnel-heap-')), 'heap.json');
  const env = cleanEnv({ NODE_OPTIONS: nodeOptions, PTUNNEL_TEST_HEAP_OUT: out });
  let cli: RunningCli | undefined;
  try {
    cli = await startCli(['--mode', 'direct', `0:127.0.0.1:${server.port}`], 1, env, [process.execPath, '-r', PROBE, CLI]);
    await churn(cli.ports[0] as number, CONNECTIONS);
    cli.proc.kill('SIGUSR2');
    for (let i = 0; i < 100 && !fs.existsSync(out); i += 1) await new Promise((r) => setTimeout(r, 50));
    return (JSON.parse(fs.readFileSync(out, 'utf8')) as { newSpaceBytes: number }).newSpaceBytes;
  } finally {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
  }
}

describe("ptunnel's young generation", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await serve((s) => {
      s.on('data', () => undefined);
      s.on('end', () => s.end('pong'));
    });
  });
  afterAll(() => server?.close());

  it(`stays at its starting size through ${CONNECTIONS} short connections`, async () => {
    expect(await newSpaceAfterChurn(server, '')).toBeLessThanOrEqual(2 * MiB);
  }, 60_000);

  it("grows as V8's default would when node's own flags choose (NODE_OPTIONS)", async () => {
    expect(await newSpaceAfterChurn(server, '--max-semi-space-size=16')).toBeGreaterThan(8 * MiB);
  }, 60_000);
});
