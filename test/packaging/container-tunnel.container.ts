import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { freePort, waitForPort } from '../support/ports';
import { startEchoServer, TestServer } from '../support/servers';
import { startProxy, TestProxy } from '../support/squid';
import { echoThrough, sha, until } from './container-io';
import { find, parseDocs, CHART, k8sTool, run } from './k8s-tools';

/**
 * The built image (PTUNNEL_IMAGE, default ptunnel:ci) carries a real tunnel: ptunnel in the
 * container (podman, host network, loopback only) -> squid on the host's loopback -> an echo
 * server; the bytes are hashed both ways. Run by `.ci/packaging.sh container`, not by npm test
 * (the name does not end in .test.ts): it needs podman and the image.
 */
const IMAGE = process.env.PTUNNEL_IMAGE ?? 'ptunnel:ci';
const podman = (args: string[]) => spawnSync('podman', args, { encoding: 'utf8' });

let proxy: TestProxy;
let server: TestServer;
const started: string[] = [];

beforeAll(async () => {
  proxy = await startProxy();
  server = await startEchoServer();
});

afterAll(async () => {
  for (const name of started) podman(['rm', '-f', '-t', '0', name]);
  await server?.close();
  await proxy?.stop();
});


async function startContainer(args: string[], readyPort: number) {
  const name = `ptunnel-ci-${process.pid}-${started.length}`;
  started.push(name);
  let output = '';
  const child = spawn('podman', ['run', '--rm', '--no-healthcheck', '--network', 'host', '--name', name, IMAGE, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  await waitForPort(readyPort, 20_000, () => (child.exitCode !== null ? `container exited ${child.exitCode}:\n${output}` : undefined));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { name, child, exited, log: () => output };
}

test('a tunnel from the container through squid on loopback carries the bytes intact', async () => {
  const local = await freePort();
  // the image's admin default, 0.0.0.0:9090, would be the host's port: other tests use it
  const admin = await freePort();
  const c = await startContainer(['--listen', '127.0.0.1', '--admin', `127.0.0.1:${admin}`, '--mode', 'proxy', '--proxy', proxy.url, `${local}:127.0.0.1:${server.port}`], local);
  const payload = randomBytes(4 * 1024 * 1024);
  const back = await echoThrough(local, payload);
  expect(back.length).toBe(payload.length);
  expect(sha(back)).toBe(sha(payload));
  // squid logs a tunnel once it has closed
  if (proxy.kind === 'squid') expect(await until(() => proxy.accessLog(), (log) => log.includes(`127.0.0.1:${server.port}`))).toContain(`127.0.0.1:${server.port}`);
  // graceful stop: SIGTERM -> drain -> exit 0
  expect(podman(['stop', '-t', '20', c.name]).status).toBe(0);
  expect(await c.exited).toBe(0);
}, 90_000);

test('the image admin endpoint, `ptunnel health` and the chart\'s helm-test script agree', async () => {
  const local = await freePort();
  const admin = await freePort();
  const c = await startContainer(
    ['--listen', '127.0.0.1', '--admin', `127.0.0.1:${admin}`, '--mode', 'proxy', '--proxy', proxy.url, `${local}:127.0.0.1:${server.port}`],
    local,
  );
  await waitForPort(admin, 20_000, () => (c.child.exitCode !== null ? `container exited ${c.child.exitCode}:\n${c.log()}` : undefined));
  // HEALTHCHECK's command, in the running container, with the admin address from env
  const health = podman(['exec', '-e', `PTUNNEL_ADMIN=127.0.0.1:${admin}`, c.name, '/nodejs/bin/node', '/app/dist/main.js', 'health']);
  expect(health.status).toBe(0);
  // the helm test hook's script, run as the hook pod would: the image's node, no shell
  const helm = k8sTool('helm');
  if (helm) {
    const r = run(helm, ['template', 'rel', CHART]);
    const pod = find(parseDocs(r.stdout), 'Pod', 'rel-ptunnel-test');
    const script = pod.spec.containers[0].args[0] as string;
    const check = podman([
      'run', '--rm', '--no-healthcheck', '--network', 'host', '--entrypoint', '/nodejs/bin/node',
      '-e', `READYZ_URL=http://127.0.0.1:${admin}/readyz`, '-e', `TARGETS=127.0.0.1:${local}`, IMAGE, '-e', script,
    ]);
    expect(`${check.stdout}${check.stderr}`).toContain(`ok connect 127.0.0.1:${local}`);
    expect(check.status).toBe(0);
  }
  expect(podman(['stop', '-t', '20', c.name]).status).toBe(0);
  expect(await c.exited).toBe(0);
  // once stopped, health fails
  const down = podman(['run', '--rm', '--no-healthcheck', '--network', 'host', IMAGE, 'health', '--admin', `127.0.0.1:${admin}`]);
  expect(down.status).toBe(1);
}, 90_000);
