import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NegotiateSquid, startNegotiateSquid } from '../support/kdc';
import { freePort, waitForPort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';
import { echoThrough, sha, until } from './container-io';
import { blockCommands, sectionBlocks, shellWords } from './readme-commands';

/**
 * The image does Negotiate (issue 12): it carries the optional `kerberos` module and the GSSAPI
 * libraries it dlopens, and a tunnel from the container through squid + MIT KDC on the host's
 * loopback authenticates with a client keytab mounted read-only as a file, the way the Helm chart
 * mounts it. Run by `.ci/packaging.sh container` (it builds the image), not by npm test.
 */
const IMAGE = process.env.PTUNNEL_IMAGE ?? 'ptunnel:ci';
const NODE = '/nodejs/bin/node';
const KRB5_CONFIG = '/etc/ptunnel/krb5/krb5.conf';
const KEYTAB = '/etc/ptunnel/keytab/client.keytab';
const podman = (args: string[]) => spawnSync('podman', args, { encoding: 'utf8' });
const inImage = (script: string, args: string[] = []) =>
  podman(['run', '--rm', '--no-healthcheck', '--network', 'host', ...args, '--entrypoint', NODE, IMAGE, '-e', script]);

test('the kerberos module loads in the image and reaches GSSAPI (its shared libraries are there)', () => {
  const loaded = inImage("const k = require('/app/node_modules/kerberos'); console.log(typeof k.initializeClient)");
  expect(loaded.stderr).toBe('');
  expect(loaded.stdout.trim()).toBe('function');
  // The module dlopens libgssapi_krb5 at first use; with no credentials at all, GSSAPI itself must
  // answer (a Kerberos message), not the loader (cannot open shared object file).
  const step = inImage(
    "require('/app/node_modules/kerberos').initializeClient('HTTP@proxy.test.example', {})" +
      ".then((c) => c.step('')).then(() => console.log('STEP ok'), (e) => console.log('STEP ' + e.message))",
    ['-e', 'KRB5_CONFIG=/dev/null', '-e', 'KRB5CCNAME=FILE:/tmp/none'],
  );
  expect(step.stdout).toMatch(/^STEP .*(credentials|Kerberos)/m);
  expect(step.stdout).not.toMatch(/shared object|dlopen|cannot open/i);
});

describe('a tunnel from the container through squid + MIT KDC, Negotiate with a mounted keytab', () => {
  let squid: NegotiateSquid;
  let server: TestServer;
  let dir: string;
  const names: string[] = [];

  beforeAll(async () => {
    server = await startEchoServer();
    squid = await startNegotiateSquid({ user: 'ptmailbot', password: 'C0ntainer keytab!' });
    // A copy owned by the image's user, mode 0400: what a Secret volume with fsGroup 65532 gives.
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-keytab-'));
    const keytab = join(dir, 'client.keytab');
    copyFileSync(await squid.clientKeytab(), keytab);
    chownSync(keytab, 65532, 65532);
    chmodSync(keytab, 0o400);
  }, 90_000);

  afterAll(async () => {
    for (const name of names) podman(['rm', '-f', '-t', '0', name]);
    await squid?.stop();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function startContainer(local: number, admin: number, auth: string) {
    const name = `ptunnel-ci-negotiate-${process.pid}-${names.length}`;
    names.push(name);
    const args = [
      'run', '--rm', '--no-healthcheck', '--network', 'host', '--name', name,
      // as in Kubernetes: read-only root, a writable /tmp (where the ticket cache goes)
      '--read-only', '--tmpfs', '/tmp',
      '--add-host', `${squid.host}:127.0.0.1`,
      '-v', `${squid.kdc.krb5Conf}:${KRB5_CONFIG}:ro`,
      '-v', `${join(dir, 'client.keytab')}:${KEYTAB}:ro`,
      '-e', `KRB5_CONFIG=${KRB5_CONFIG}`, '-e', `KRB5_CLIENT_KTNAME=${KEYTAB}`,
      IMAGE,
      // the image's admin default, 0.0.0.0:9090, would be the host's port: other tests use it
      '--listen', '127.0.0.1', '--admin', `127.0.0.1:${admin}`, '--mode', 'proxy', '--proxy', squid.url, '--proxy-auth', auth,
      `${local}:127.0.0.1:${server.port}`,
    ];
    let output = '';
    const child = spawn('podman', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    return { name, child, exited, log: () => output };
  }

  // The README's command is in a plain block, which readme-docker.container.ts does not run (it
  // needs this KDC): its mounts and env must be the ones this test proves.
  test('the README\'s Docker Kerberos command mounts and names the files as this test does', () => {
    const command = sectionBlocks('Docker', '').flatMap((b) => blockCommands(b)).find((c) => c.text.includes('KRB5_CLIENT_KTNAME'));
    expect(command).toBeDefined();
    const words = shellWords(command?.text ?? '', { PWD: '/here' });
    expect(words.slice(0, 2)).toEqual(['docker', 'run']);
    for (const w of ['/here/krb5.conf:' + KRB5_CONFIG + ':ro', `KRB5_CONFIG=${KRB5_CONFIG}`, `KRB5_CLIENT_KTNAME=${KEYTAB}`, '--proxy-auth']) expect(words).toContain(w);
    expect(words.some((w) => w.endsWith(`:${KEYTAB}:ro`))).toBe(true);
  });

  // auto is what the Helm chart gets by default: it must find the keytab and pick Negotiate
  test.each(['negotiate', 'auto'])('--proxy-auth %s: bytes arrive intact (sha256), and squid logs the keytab\'s principal', async (auth) => {
    const before = squid.accessLog().length;
    const local = await freePort();
    const c = startContainer(local, await freePort(), auth);
    await waitForPort(local, 30_000, () => (c.child.exitCode !== null ? `container exited ${c.child.exitCode}:\n${c.log()}` : undefined));
    // several tunnels at once: each CONNECT authenticates on its own connection
    const payloads = [0, 1, 2].map(() => randomBytes(2 * 1024 * 1024));
    const back = await Promise.all(payloads.map((p) => echoThrough(local, p, 30_000)));
    back.forEach((b, i) => expect(sha(b)).toBe(sha(payloads[i] as Buffer)));
    // squid logs a tunnel once it has closed: the three carried 2 MiB each as the keytab's
    // principal (a short probe of the proxy may come first; auto's first CONNECT, without
    // credentials, is a logged 407 that tells it the schemes)
    const connects = () => squid.accessLog().slice(before).split('\n').filter((l) => l.includes(`CONNECT 127.0.0.1:${server.port} `));
    const big = (lines: string[]) => lines.filter((l) => Number(l.split(/\s+/)[4]) >= 2 * 1024 * 1024);
    const lines = await until(connects, (l) => big(l).length >= 3);
    expect(big(lines)).toHaveLength(3);
    for (const line of big(lines)) expect(line).toMatch(new RegExp(`TCP_TUNNEL/200 .* ${squid.principal.replace(/\./g, '\\.')} `));
    // the keytab itself never shows in ptunnel's output
    expect(c.log()).not.toMatch(/Negotiate [A-Za-z0-9+/=]{20,}/);
    expect(podman(['stop', '-t', '20', c.name]).status).toBe(0);
    expect(await c.exited).toBe(0);
  }, 120_000);
});
