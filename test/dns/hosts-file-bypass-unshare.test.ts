import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '../support/client';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';
import { freePort } from '../support/ports';
import { requireTool } from '../support/tools';
import { describeAsRoot } from '../support/root';

const ROOT = join(__dirname, '..', '..');

/**
 * The whole story as a user meets it: ptunnel runs in a mount namespace whose /etc/hosts maps
 * the target to 127.0.0.1 (as for the mail client), and must still reach the real server.
 * Needs root for unshare -m; CI runs as root.
 */
describeAsRoot('unshare -m for a private hosts file')('the hosts file does not send ptunnel back into itself', () => {
  const unshare = requireTool('unshare', 'apt-get install -y util-linux');
  let dir: string;
  let cli: string;
  let hosts: string;
  let dns: Dnsmasq;
  let stub: Dnsmasq;
  let server: net.Server;
  let port = 0;

  beforeAll(async () => {
    if (!unshare) throw new Error('unshare is not installed (apt-get install -y util-linux)');
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-unshare-'));
    // Compile the current sources: dist/ may be stale when jest runs without "npm test".
    try {
      execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { stdio: 'pipe' });
    } catch {
      // Type errors elsewhere still emit JavaScript; only a missing entry point is fatal.
    }
    cli = join(dir, 'dist', 'main.js');
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json')); // the CLI reads its version there
    if (!existsSync(cli)) throw new Error('compiling ptunnel for the unshare test produced no dist/main.js');
    hosts = join(dir, 'hosts');
    writeFileSync(hosts, '127.0.0.1 localhost\n127.0.0.1 imap.test\n');
    dns = await startDnsmasq({ hosts: { 'imap.test': ['127.0.0.2'] } });
    // Reads the same hosts file: the systemd-resolved stub on a laptop.
    stub = await startDnsmasq({ hostsFile: hosts });
    server = net.createServer((s) => s.end('* OK real server\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.2', () => r()));
    port = (server.address() as net.AddressInfo).port;
  }, 60_000);

  afterAll(async () => {
    await dns?.stop();
    await stub?.stop();
    await new Promise((r) => server?.close(r));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function runPtunnel(dnsList: string, extra: string[], body: (localPort: number, output: () => string) => Promise<void>) {
    const localPort = await freePort();
    const args = ['--mode', 'direct', '--dns', dnsList, '-v', '--log-format', 'text', ...extra, `${localPort}:imap.test:${port}`];
    const script = 'mount --bind "$0" /etc/hosts && getent hosts imap.test && exec "$@"';
    const child = spawn(unshare as string, ['-m', 'sh', '-c', script, hosts, process.execPath, cli, ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_PATH: join(ROOT, 'node_modules') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 15_000;
      while (!/listening on/.test(output)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`ptunnel did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Inside the namespace the system resolver does say 127.0.0.1.
      expect(output).toMatch(/^127\.0\.0\.1\s+imap\.test$/m);
      await body(localPort, () => output);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    }
  }

  it('reaches the real server through dnsmasq\'s answer', async () => {
    await runPtunnel(`${stub.spec},${dns.spec}`, ['--dns-allow', '127.0.0.2'], async (localPort, output) => {
      const result = await exchange(localPort, '', { end: true });
      expect(result.received.toString()).toBe('* OK real server\r\n');
      expect(output()).toMatch(/DNS answer refused by the loop guard.*resolver=127\.0\.0\.1:/);
      expect(output()).toMatch(new RegExp(`resolved name=imap\\.test resolver=127\\.0\\.0\\.1:${dns.port} via=udp`));
    });
  });

  it('without a useful --dns fails with the loop-guard message, not a hang', async () => {
    await runPtunnel(stub.spec, [], async (localPort, output) => {
      const started = Date.now();
      const result = await exchange(localPort, '', { end: true });
      expect(result.received.length).toBe(0);
      expect(Date.now() - started).toBeLessThan(3000);
      const deadline = Date.now() + 3000;
      while (!/ERR_DNS_LOOP|answered imap\.test with 127\.0\.0\.1/.test(output()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(output()).toMatch(/answered imap\.test with 127\.0\.0\.1, (a loopback address|one of ptunnel's own listening addresses).*Give --dns servers that do not read the hosts file/);
    });
  });
});
