import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDnsmasq, Dnsmasq } from '../support/dnsmasq';
import { MailServer, startImapsServer, startSmtpsServer, startSubmissionServer } from '../support/mail-servers';
import { startProxy, TestProxy } from '../support/squid';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { CLIENT_SCRIPT, expectedTranscripts } from './kube-client';
import { CHART, helmTemplate, K8sDoc, k8sTool, ROOT, run, SIDECAR_EXAMPLE } from './k8s-tools';

/**
 * The chart's pods, run by `podman kube play` (issue 17): the standalone Deployment and the
 * sidecar example (classic sidecar), rendered with deploy/podman/values.yaml, carrying IMAPS,
 * SMTPS and submission to imap.gmail.com / smtp.gmail.com (test servers with a test CA on the
 * host's 127.0.0.1) through squid and directly (ptunnel's resolver asks a test dnsmasq).
 *
 * Each pod has its own network namespace (slirp4netns with allow_host_loopback): hostAliases,
 * the pod's loopback and the port sysctl behave as in a cluster, and 10.0.2.2 is the host's
 * loopback, where squid, dnsmasq and the mail servers listen. podman 4.3's kube play ignores
 * securityContext.sysctls, so net.ipv4.ip_unprivileged_port_start=0 comes from a
 * containers.conf of this test's own (CONTAINERS_CONF), not from the machine's.
 * Run by .ci/kube-play.sh (not npm test: it needs root, podman and the image).
 */
const IMAGE = process.env.PTUNNEL_IMAGE ?? 'ptunnel:ci';
const HOST = '10.0.2.2';
const NETWORK = 'slirp4netns:allow_host_loopback=true';
const SERVER_IP = '127.0.0.1';
const SECRET = `kube-secret-${process.pid}-x7`;

const work = mkdtempSync(join(tmpdir(), 'ptunnel-kube-'));
const conf = join(work, 'containers.conf');
// CONTAINERS_CONF replaces the machine's files, so theirs (runtime, cgroup manager, ulimits) are copied.
writeFileSync(conf, withSysctl(machineContainersConf()));
const env = { ...process.env, CONTAINERS_CONF: conf };
const podman = (args: string[]) => spawnSync('podman', args, { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });

function machineContainersConf(): string {
  const files = ['/etc/containers/containers.conf'];
  const dropins = '/etc/containers/containers.conf.d';
  if (existsSync(dropins)) files.push(...readdirSync(dropins).filter((f) => f.endsWith('.conf')).sort().map((f) => join(dropins, f)));
  return files.filter((f) => existsSync(f)).map((f) => readFileSync(f, 'utf8')).join('\n');
}

function withSysctl(text: string): string {
  const line = 'default_sysctls = ["net.ipv4.ping_group_range=0 0", "net.ipv4.ip_unprivileged_port_start=0"]';
  return /^\[containers\]$/m.test(text) ? text.replace(/^\[containers\]$/m, `[containers]\n${line}`) : `[containers]\n${line}\n${text}`;
}

let helm: string;
let cert: TestCertificate;
let proxy: TestProxy;
let dns: Dnsmasq;
const servers: MailServer[] = [];
const played: string[] = [];
const secrets: string[] = [];

const [repo, tag] = ((i) => [IMAGE.slice(0, i), IMAGE.slice(i + 1)])(IMAGE.lastIndexOf(':'));
const imageRepo = repo.includes('/') ? repo : `localhost/${repo}`;
const want = expectedTranscripts('imap.gmail.com', 'smtp.gmail.com');
const TARGETS_SAME = { imaps: 'imap.gmail.com:993', smtps: 'smtp.gmail.com:465', submission: 'smtp.gmail.com:587' };
// name@address:port: TLS checks the name while the client dials the tunnel's address
const TARGETS_LOCAL = { imaps: 'imap.gmail.com@127.0.0.1:9993', smtps: 'smtp.gmail.com@127.0.0.1:4465', submission: 'smtp.gmail.com@127.0.0.1:5587' };

beforeAll(async () => {
  helm = k8sTool('helm') ?? '';
  if (!helm) throw new Error('helm not found (../shared/tools/helm.sh)');
  cert = makeTestCertificate(['imap.gmail.com', 'smtp.gmail.com']);
  servers.push(await startImapsServer(SERVER_IP, 993, cert, 'imap.gmail.com'));
  servers.push(await startSmtpsServer(SERVER_IP, 465, cert, 'smtp.gmail.com'));
  servers.push(await startSubmissionServer(SERVER_IP, 587, cert, 'smtp.gmail.com'));
  proxy = await startProxy({ hosts: { 'imap.gmail.com': SERVER_IP, 'smtp.gmail.com': SERVER_IP } });
  dns = await startDnsmasq({ hosts: { 'imap.gmail.com': [HOST], 'smtp.gmail.com': [HOST] } });
}, 60_000);

afterAll(async () => {
  for (const file of played) podman(['kube', 'down', file]);
  for (const s of secrets) podman(['secret', 'rm', s]);
  for (const s of servers) await s.close();
  await proxy?.stop();
  await dns?.stop();
  rmSync(work, { recursive: true, force: true });
});

const podmanValues = join(ROOT, 'deploy', 'podman', 'values.yaml');
const imageArgs = (prefix = '') => ['--set', `${prefix}image.repository=${imageRepo}`, '--set', `${prefix}image.tag=${tag}`];

function play(name: string, docs: K8sDoc[]): string {
  const file = join(work, `${name}.yaml`);
  // JSON is YAML, and podman's parser chokes on some block scalars the yaml package writes
  writeFileSync(file, docs.map((d) => JSON.stringify(d)).join('\n---\n'));
  for (const d of docs) if (d.kind === 'Secret') secrets.push(d.metadata.name);
  const r = podman(['kube', 'play', '--network', NETWORK, file]);
  if (r.status !== 0) throw new Error(`podman kube play ${name} exited ${r.status}:\n${r.stderr}`);
  played.push(file);
  return file;
}

function down(file: string): number {
  played.splice(played.indexOf(file), 1);
  return podman(['kube', 'down', file]).status ?? -1;
}

const deploymentOf = (docs: K8sDoc[]) => docs.find((d) => d.kind === 'Deployment') as K8sDoc;

/** The chart's httpGet probes (rendered without podman mode), run in the container with its node. */
function probe(container: string, path: string): number {
  const script = `fetch('http://127.0.0.1:9090${path}').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`;
  return podman(['exec', container, '/nodejs/bin/node', '-e', script]).status ?? -1;
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  for (const t0 = Date.now(); !check(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Async: the mail servers live in this process, so a blocking spawnSync would starve them. */
function podmanAsync(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('podman', args, { env });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

async function client(container: string, targets: object, extra: string[] = []) {
  const r = await podmanAsync(['exec', '-e', `CA_PEM=${cert.ca.toString()}`, '-e', `TARGETS=${JSON.stringify(targets)}`, ...extra, container, '/nodejs/bin/node', '-e', CLIENT_SCRIPT]);
  if (r.status !== 0) throw new Error(`client in ${container} exited ${r.status}: ${r.stderr}\n${podman(['logs', container]).stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}');
}

function expectTranscripts(out: Record<string, { sha256: string; authorized: boolean }>) {
  for (const k of ['imaps', 'smtps', 'submission'] as const) {
    expect({ k, ...out[k] }).toEqual({ k, sha256: want[k], authorized: true });
  }
}

const inspect = (name: string, format: string) => podman(['inspect', name, '--format', format]).stdout.trim();

describe('the standalone Deployment under podman kube play', () => {
  const release = `kst${process.pid}`;
  const container = `${release}-ptunnel-pod-0-ptunnel`;
  let file: string;

  beforeAll(async () => {
    const docs = helmTemplate(helm, release, CHART, [
      '-f', podmanValues, ...imageArgs(),
      '--set', 'config.mode=proxy', '--set', `config.proxy.url=http://${HOST}:${proxy.port}`, '--set', 'config.proxy.user=mailbot',
      '--set', `proxyCredentials.password=${SECRET}`, '--set', 'config.shutdownTimeout=6s', '--set', 'terminationGracePeriodSeconds=10',
    ]);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret']);
    file = play(release, docs);
    await until('the startup probe', () => probe(container, '/startup') === 0);
  }, 60_000);

  it('answers its probes: startup, liveness and readiness', () => {
    // The paths the chart's probes use on a cluster (rendered without podman mode).
    const c = deploymentOf(helmTemplate(helm, release, CHART)).spec.template.spec.containers[0];
    const paths = [c.startupProbe, c.livenessProbe, c.readinessProbe].map((p) => p.httpGet.path);
    expect(paths).toEqual(['/startup', '/livez', '/readyz']);
    for (const p of paths) expect({ p, status: probe(container, p) }).toEqual({ p, status: 0 });
    // the image's own healthcheck command (ptunnel health: /readyz)
    expect(podman(['exec', container, '/nodejs/bin/node', '/app/dist/main.js', 'health']).status).toBe(0);
  });

  it('carries IMAPS, SMTPS and submission through squid with the real names checked', async () => {
    expectTranscripts(await client(container, TARGETS_LOCAL));
    const log = proxy.accessLog;
    await until('squid access log lines', () => /CONNECT smtp\.gmail\.com:587/.test(log()));
    for (const hp of ['imap.gmail.com:993', 'smtp.gmail.com:465', 'smtp.gmail.com:587']) expect(log()).toContain(`CONNECT ${hp}`);
  }, 30_000);

  it('mounts the Secret as a file, never in the environment; read-only root, uid 65532, no capabilities', () => {
    const read = podman(['exec', container, '/nodejs/bin/node', '-e', "process.stdout.write(require('fs').readFileSync('/etc/ptunnel/proxy/password','utf8'))"]);
    // podman 4.3 mounts a Secret's data still base64-encoded (a Kubernetes kubelet decodes it)
    expect([SECRET, Buffer.from(SECRET).toString('base64')]).toContain(read.stdout);
    const environ = podman(['exec', container, '/nodejs/bin/node', '-e', "process.stdout.write(require('fs').readFileSync('/proc/1/environ','utf8'))"]).stdout;
    expect(environ).toContain('PTUNNEL_LISTEN=');
    expect(environ).not.toContain(SECRET);
    expect(inspect(container, '{{json .Config.Env}}')).not.toContain(SECRET);
    expect(inspect(container, '{{json .Config.Cmd}}')).not.toContain(SECRET);
    expect(inspect(container, '{{.HostConfig.ReadonlyRootfs}}')).toBe('true');
    expect(inspect(container, '{{.Config.User}}')).toMatch(/^65532(:65532)?$/);
    const status = podman(['exec', container, '/nodejs/bin/node', '-e', `
      const fs = require('fs');
      let rootWrite = 'written';
      try { fs.writeFileSync('/app/probe', 'x'); } catch (e) { rootWrite = e.code; }
      fs.writeFileSync('/tmp/probe', 'x');
      const caps = fs.readFileSync('/proc/1/status', 'utf8').match(/^Cap(Prm|Eff|Bnd|Amb):.*$/gm);
      console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), rootWrite, caps }));`]);
    expect(JSON.parse(status.stdout)).toEqual({
      uid: 65532, gid: 65532, rootWrite: 'EROFS',
      caps: ['CapPrm:\t0000000000000000', 'CapEff:\t0000000000000000', 'CapBnd:\t0000000000000000', 'CapAmb:\t0000000000000000'],
    });
  });

  it('a pod stop sends SIGTERM: with a live connection ptunnel drains for shutdownTimeout at most and exits 0', async () => {
    let out = '';
    const held = spawn('podman', ['exec', '-e', `CA_PEM=${cert.ca.toString()}`, '-e', `TARGETS=${JSON.stringify({ imaps: TARGETS_LOCAL.imaps })}`, '-e', 'HOLD_MS=2500',
      container, '/nodejs/bin/node', '-e', CLIENT_SCRIPT], { env });
    held.stdout.on('data', (d: Buffer) => (out += d.toString()));
    held.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await until('the held connection', () => out.includes('greeted'));
    // podman 4.3's `kube down` removes the pod by force (exit 137 after ~4 s, even idle); `pod
    // stop` is what sends SIGTERM and waits terminationGracePeriodSeconds, as the kubelet does.
    const t0 = Date.now();
    const stop = await podmanAsync(['pod', 'stop', '-t', '10', `${release}-ptunnel-pod-0`]);
    const drainMs = Date.now() - t0;
    expect(stop.status).toBe(0);
    expect(inspect(container, '{{.State.ExitCode}}')).toBe('0');
    const log = podman(['logs', container]).stderr + podman(['logs', container]).stdout;
    expect(log).toMatch(/received SIGTERM/);
    // The exec'd client shares the container and gets the SIGTERM too (podman signals every
    // process in it), so its connection stays open unserved: ptunnel waits for it until
    // shutdownTimeout, cuts it, and still exits 0 inside the grace period.
    await until('the held client', () => held.exitCode !== null, 10_000);
    expect(log).toMatch(/shutdown timeout|cut|still open|connection closed/i);
    // inside terminationGracePeriodSeconds (10 s): the kubelet would not have had to SIGKILL it
    expect(drainMs).toBeLessThan(10_000);
    console.log(`pod stop of the standalone pod with a live connection: ${drainMs} ms (shutdownTimeout 6s)`);
    expect(down(file)).toBe(0);
  }, 60_000);
});

describe('the standalone Deployment, mode direct through its own resolver', () => {
  it('resolves imap.gmail.com with the chart\'s config.dns values and carries the bytes', async () => {
    const release = `kdi${process.pid}`;
    const docs = helmTemplate(helm, release, CHART, [
      '-f', podmanValues, ...imageArgs(), '--set', 'config.mode=direct',
      '--set', `config.dns.servers={${HOST}:${dns.port}}`, '--set', `config.dns.allow={${HOST}}`,
    ]);
    const container = `${release}-ptunnel-pod-0-ptunnel`;
    const file = play(release, docs);
    await until('the readiness probe', () => probe(container, '/readyz') === 0);
    const before = proxy.accessLog();
    expectTranscripts(await client(container, TARGETS_LOCAL));
    expect(dns.log()).toMatch(/query\[A\] imap\.gmail\.com/);
    expect(proxy.accessLog()).toBe(before);
    expect(down(file)).toBe(0);
  }, 60_000);
});

describe('the sidecar example (classic sidecar) as a Job-like pod', () => {
  it('the app talks to imap.gmail.com:993 via hostAliases and the sidecar, then /quitquitquit ends the sidecar with 0', async () => {
    const tmp = join(work, 'charts');
    mkdirSync(join(tmp, 'helm'), { recursive: true });
    mkdirSync(join(tmp, 'deploy', 'helm'), { recursive: true });
    cpSync(CHART, join(tmp, 'helm', 'ptunnel'), { recursive: true });
    cpSync(SIDECAR_EXAMPLE, join(tmp, 'deploy', 'helm', 'mail-processor'), { recursive: true });
    const chart = join(tmp, 'deploy', 'helm', 'mail-processor');
    const dep = run(helm, ['dependency', 'build', chart]);
    if (dep.status !== 0) throw new Error(dep.stderr);
    const release = `ksc${process.pid}`;
    const secretName = `corp-proxy-${process.pid}`;
    const docs = helmTemplate(helm, release, chart, [
      '-f', podmanValues.replace(/values\.yaml$/, 'sidecar-values.yaml'), ...imageArgs('ptunnel.'), '--set', `image=${imageRepo}:${tag}`,
      '--set', `ptunnel.config.proxy.url=http://${HOST}:${proxy.port}`, '--set', 'ptunnel.config.mode=proxy',
      '--set', `ptunnel.proxyCredentials.existingSecret=${secretName}`,
    ]);
    const deployment = deploymentOf(docs);
    const pod = deployment.spec.template.spec;
    expect(pod.initContainers ?? []).toEqual([]);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['app', 'ptunnel']);
    expect(pod.hostAliases[0]).toEqual({ ip: '127.0.0.1', hostnames: expect.arrayContaining(['imap.gmail.com', 'smtp.gmail.com']) });
    // What the example leaves to its users: the app's program (here the client above, in the
    // ptunnel image for its node), the Secret created out of band, and Job semantics.
    pod.restartPolicy = 'Never';
    const app = pod.containers[0];
    // From a hostPath: podman 4.3's YAML reader fails on the script inline ("did not find expected '-'").
    const clientDir = join(work, 'client');
    mkdirSync(clientDir, { recursive: true });
    writeFileSync(join(clientDir, 'client.js'), CLIENT_SCRIPT);
    writeFileSync(join(clientDir, 'ca.pem'), cert.ca);
    app.command = ['/nodejs/bin/node', '/client/client.js'];
    app.volumeMounts = [{ name: 'client', mountPath: '/client', readOnly: true }];
    pod.volumes.push({ name: 'client', hostPath: { path: clientDir, type: 'Directory' } });
    app.env = [
      ...(app.env ?? []),
      { name: 'CA_FILE', value: '/client/ca.pem' },
      { name: 'TARGETS', value: JSON.stringify(TARGETS_SAME) },
      { name: 'READY_URL', value: 'http://127.0.0.1:9090/readyz' },
      { name: 'QUIT_URL', value: 'http://127.0.0.1:9090/quitquitquit' },
    ];
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName }, data: { password: Buffer.from(SECRET).toString('base64') } };
    const file = play(release, [secret as K8sDoc, ...docs]);
    const prefix = `${release}-mail-processor-pod-0`;
    const exited = (c: string) => inspect(`${prefix}-${c}`, '{{.State.Status}}') === 'exited';
    await until('both containers to exit', () => exited('app') && exited('ptunnel'), 40_000);
    const appLog = podman(['logs', `${prefix}-app`]);
    const ptunnelLog = podman(['logs', `${prefix}-ptunnel`]);
    expect(inspect(`${prefix}-app`, '{{.State.ExitCode}}')).toBe('0');
    expect(inspect(`${prefix}-ptunnel`, '{{.State.ExitCode}}')).toBe('0');
    const out = JSON.parse(appLog.stdout.trim().split('\n').pop() ?? '{}');
    expectTranscripts(out);
    expect([200, 202]).toContain(out.quit);
    expect(ptunnelLog.stderr + ptunnelLog.stdout).toMatch(/quitquitquit/i);
    expect(ptunnelLog.stderr + ptunnelLog.stdout).not.toContain(SECRET);
    expect(proxy.accessLog()).toContain('CONNECT imap.gmail.com:993');
    expect(down(file)).toBe(0);
  }, 90_000);
});
