import { execFile, execFileSync, spawn, ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports';
import { findTool } from '../support/tools';
import { RunningTunnel, startTunnel } from '../support/tunnel';

const run = promisify(execFile);
const sshd = findTool('sshd');
const nc = findTool('nc');
const isRoot = process.getuid?.() === 0;
const missing = !isRoot ? 'not root (sshd needs it)' : !sshd ? 'no sshd (apt-get install -y openssh-server)' : !nc ? 'no nc (apt-get install -y netcat-openbsd)' : undefined;
if (missing) console.warn(`skipping ssh through SOCKS: ${missing}`);

/** Real ssh, ProxyCommand nc -X 5, to a loopback sshd with a throw-away host key; the ssh command runs remotely. */
(missing ? describe.skip : describe)('ssh through the SOCKS listener', () => {
  let daemon: ChildProcess;
  let sshPort: number;
  let socksPort: number;
  let tunnel: RunningTunnel;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-sshd-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'client')]);
    execFileSync('cp', [join(dir, 'client.pub'), join(dir, 'authorized_keys')]);
    execFileSync('chmod', ['700', dir]);
    sshPort = await freePort();
    writeFileSync(
      join(dir, 'sshd_config'),
      [`Port ${sshPort}`, 'ListenAddress 127.0.0.1', `HostKey ${join(dir, 'host')}`, `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`, 'PasswordAuthentication no', 'PermitRootLogin prohibit-password', 'StrictModes no', `PidFile ${join(dir, 'pid')}`, 'UsePAM no', ''].join('\n'),
    );
    execFileSync('mkdir', ['-p', '/run/sshd']);
    daemon = spawn(sshd as string, ['-D', '-e', '-f', join(dir, 'sshd_config')], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    socksPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}` }, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
  });
  afterAll(async () => {
    await tunnel?.close();
    daemon?.kill();
  });

  it('ssh -o ProxyCommand="nc -X 5 -x 127.0.0.1:PORT %h %p" runs a command on the server by name', async () => {
    const { stdout } = await run('ssh', [
      '-i', join(dir, 'client'), '-p', String(sshPort), '-o', 'StrictHostKeyChecking=no', '-o', `UserKnownHostsFile=${join(dir, 'known')}`, '-o', 'BatchMode=yes',
      '-o', `ProxyCommand=${nc} -X 5 -x 127.0.0.1:${socksPort} %h %p`, 'root@sshd.socks.test', 'echo through-socks',
    ], { timeout: 20_000 });
    expect(stdout).toBe('through-socks\n');
    const [record] = await tunnel.ended(1);
    expect(record).toMatchObject({ tunnel: 'socks', target: `sshd.socks.test:${sshPort}`, route: 'direct' });
  });
});
