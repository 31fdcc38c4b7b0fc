import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { buildSidecarExample, CHART, find, helmTemplate, k8sTool, K8sDoc, parseDocs, podContainer, ROOT, run } from './k8s-tools';

/**
 * Renders helm/ptunnel (standalone, sidecar example, invalid values) and deploy/k8s, and checks
 * what Kubernetes would get: ports, probes, security settings, hostAliases, native sidecar.
 */
const helm = k8sTool('helm');
const kubectl = k8sTool('kubectl');
const describeHelm = helm ? describe : describe.skip;
const describeKubectl = kubectl ? describe : describe.skip;

const template = (args: string[]): K8sDoc[] => helmTemplate(helm as string, 'rel', CHART, args);

function valuesFile(values: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, YAML.stringify(values));
  return file;
}

function expectHardened(c: any, pod: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(c.securityContext).toMatchObject({
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  });
  expect(c.securityContext.capabilities.add).toBeUndefined();
  expect(pod.automountServiceAccountToken).toBe(false);
}

function expectProbes(c: any, port = 9090): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  expect(c.startupProbe.httpGet).toEqual({ path: '/startup', port });
  expect(c.livenessProbe.httpGet).toEqual({ path: '/livez', port });
  expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port });
}

describeHelm('helm/ptunnel chart', () => {
  test('helm lint --strict passes', () => {
    const r = run(helm as string, ['lint', '--strict', CHART]);
    expect(`${r.stdout}${r.stderr}`).toContain('0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  test('default values: a Deployment with the gmail ports, probes and a hardened pod', () => {
    const docs = template([]);
    const deploy = find(docs, 'Deployment', 'rel-ptunnel');
    const pod = deploy.spec.template.spec;
    const c = podContainer(deploy);
    expect(c.args).toEqual(['--config', '/etc/ptunnel/config/config.yaml']);
    expect(c.env).toEqual(
      expect.arrayContaining([
        { name: 'PTUNNEL_LISTEN', value: '0.0.0.0' },
        { name: 'PTUNNEL_ADMIN', value: '0.0.0.0:9090' },
      ]),
    );
    expect(c.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([9090, 9993, 5587, 4465]);
    expect(c.restartPolicy).toBeUndefined();
    expectProbes(c);
    expectHardened(c, pod);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.securityContext.sysctls).toBeUndefined();
    expect(pod.enableServiceLinks).toBe(false);
    expect(c.volumeMounts.find((m: { mountPath: string }) => m.mountPath === '/tmp')).toBeDefined();
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(25);

    const svc = find(docs, 'Service', 'rel-ptunnel');
    expect(svc.spec.ports.map((p: { port: number; targetPort: string }) => [p.port, p.targetPort])).toEqual([
      [9993, 'tcp-9993'],
      [5587, 'tcp-5587'],
      [4465, 'tcp-4465'],
    ]);
    const admin = find(docs, 'Service', 'rel-ptunnel-admin');
    expect(admin.spec.ports).toEqual([{ name: 'admin', port: 9090, targetPort: 'ptunnel-admin', protocol: 'TCP' }]);

    const config = YAML.parse(find(docs, 'ConfigMap', 'rel-ptunnel').data['config.yaml']);
    expect(config).toMatchObject({ mode: 'auto', presets: ['gmail'], shutdownTimeout: '25s' });
    expect(config.proxy).toBeUndefined();
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
    expect(find(docs, 'PodDisruptionBudget').spec).toMatchObject({ maxUnavailable: 1 });
    expect(docs.some((d) => d.kind === 'NetworkPolicy' || d.kind === 'ServiceMonitor')).toBe(false);

    const test = find(docs, 'Pod', 'rel-ptunnel-test');
    expect(test.metadata.annotations?.['helm.sh/hook']).toBe('test');
    const env = Object.fromEntries(test.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
    expect(env).toEqual({ READYZ_URL: 'http://rel-ptunnel-admin:9090/readyz', TARGETS: 'rel-ptunnel:9993,rel-ptunnel:5587,rel-ptunnel:4465' });
  });

  test('the helm test script is valid JavaScript', () => {
    const test = find(template([]), 'Pod', 'rel-ptunnel-test');
    const script = test.spec.containers[0].args[0] as string;
    expect(() => new Function(`return async () => {${script.replace(/require\(/g, '(() => ({}))(')}}`)).not.toThrow();
  });

  test('localPorts same: remote ports in the pod, the sysctl that allows them, Service on the remote ports', () => {
    const docs = template(['--set', 'config.localPorts=same', '--set', 'service.remotePorts=true']);
    const deploy = find(docs, 'Deployment');
    expect(podContainer(deploy).ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([9090, 993, 587, 465]);
    expect(deploy.spec.template.spec.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    expect(find(docs, 'Service', 'rel-ptunnel').spec.ports.map((p: { port: number }) => p.port)).toEqual([993, 587, 465]);
    expect(YAML.parse(find(docs, 'ConfigMap').data['config.yaml']).localPorts).toBe('same');
  });

  test('everything on: existing Secret mounted as a file, CA, NetworkPolicy, ServiceMonitor', () => {
    const docs = template(['-f', join(__dirname, 'fixtures', 'full-values.yaml')]);
    const deploy = find(docs, 'Deployment');
    const pod = deploy.spec.template.spec;
    const vol = pod.volumes.find((v: { name: string }) => v.name === 'ptunnel-proxy-credentials');
    expect(vol.secret).toEqual({ secretName: 'corp-proxy', defaultMode: 0o440, items: [{ key: 'pw', path: 'password' }] });
    expect(podContainer(deploy).volumeMounts).toContainEqual({ name: 'ptunnel-proxy-credentials', mountPath: '/etc/ptunnel/proxy', readOnly: true });
    expect(podContainer(deploy).env.some((e: { name: string }) => /PASSWORD$/.test(e.name))).toBe(false);
    const cm = find(docs, 'ConfigMap');
    const config = YAML.parse(cm.data['config.yaml']);
    expect(config).toMatchObject({
      mode: 'proxy',
      tunnels: ['2222:ssh.github.com:443'],
      proxy: { url: 'http://proxy.corp.example:3128', user: 'mailbot', passwordFile: '/etc/ptunnel/proxy/password', ca: '/etc/ptunnel/config/ca.pem' },
      dns: { servers: ['10.0.0.10', '1.1.1.1'] },
      maxConnections: 200,
    });
    expect(cm.data['ca.pem']).toContain('BEGIN CERTIFICATE');
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false); // existingSecret: the chart makes none
    expect(find(docs, 'Service', 'rel-ptunnel').spec.ports.map((p: { name: string }) => p.name)).toContain('ssh-github');
    const np = find(docs, 'NetworkPolicy');
    expect(np.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'mail-client' } } }]);
    expect(np.spec.ingress[0].ports.map((p: { port: string }) => p.port)).toEqual(['tcp-9993', 'tcp-5587', 'tcp-4465', 'ssh-github']);
    expect(np.spec.ingress[1].ports).toEqual([{ port: 'ptunnel-admin', protocol: 'TCP' }]);
    const sm = find(docs, 'ServiceMonitor');
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'admin', path: '/metrics' });
    expect(sm.spec.selector.matchLabels['app.kubernetes.io/component']).toBe('admin');
    expect(find(docs, 'PodDisruptionBudget').spec).toEqual(expect.objectContaining({ minAvailable: 1 }));
    expect(find(docs, 'ServiceAccount').automountServiceAccountToken).toBe(false);
  });

  test('a password in values becomes a Secret, mounted as a file, never an env var', () => {
    const docs = template(['--set', 'proxyCredentials.password=s3cret', '--set', 'config.proxy.url=http://p:3128']);
    const secret = find(docs, 'Secret', 'rel-ptunnel-proxy');
    expect(Buffer.from(secret.data.password, 'base64').toString()).toBe('s3cret');
    const deploy = find(docs, 'Deployment');
    expect(JSON.stringify(deploy)).not.toContain('s3cret');
    expect(JSON.stringify(find(docs, 'ConfigMap'))).not.toContain('s3cret');
  });

  const invalid = YAML.parse(readFileSync(join(__dirname, 'fixtures', 'invalid-values.yaml'), 'utf8')) as Record<string, unknown>;
  test.each(Object.keys(invalid))('values.schema.json rejects invalid values: %s', (name) => {
    const r = run(helm as string, ['template', 'rel', CHART, '-f', valuesFile(invalid[name])]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
  });

  test.each([
    ['an unknown preset', { config: { presets: ['nosuch'] } }, /does not know the ports of preset "nosuch"/],
    ['a local port used twice', { config: { tunnels: [{ localPort: 9993, host: 'x.example', port: 1 }] } }, /local port 9993 is used twice/],
    ['no tunnels at all', { config: { presets: [] } }, /no tunnels/],
  ])('the chart refuses %s with a clear message', (_name, values, message) => {
    const r = run(helm as string, ['template', 'rel', CHART, '-f', valuesFile(values)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  test('values.schema.json closes every object (additionalProperties: false)', () => {
    const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8'));
    const open: string[] = [];
    const walk = (node: any, path: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      if (!node || typeof node !== 'object') return;
      if (node.properties) {
        if (node.additionalProperties !== false) open.push(path || '/');
        for (const [k, v] of Object.entries(node.properties)) walk(v, `${path}/${k}`);
      // the named opaque objects: Kubernetes types too deep to restate (the API server checks them)
      } else if (node.type === 'object' && !['/global', '/affinity', '/topologySpreadConstraints[]/labelSelector'].includes(path)) {
        // maps (labels, annotations, nodeSelector): values must be strings
        if (!node.additionalProperties || node.additionalProperties.type !== 'string') open.push(path);
      }
      if (node.items) walk(node.items, `${path}[]`);
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });

  test('NOTES.txt prints the endpoints and the hostAliases to add', () => {
    const r = run(helm as string, ['install', 'rel', CHART, '--dry-run=client', '--set', 'service.clusterIP=10.96.0.50']);
    expect(r.status).toBe(0);
    const notes = r.stdout.slice(r.stdout.indexOf('NOTES:'));
    expect(notes).toContain('rel-ptunnel.default.svc:9993  ->  imap.gmail.com:993');
    expect(notes).toMatch(/hostAliases:\s+- ip: "10\.96\.0\.50"\s+hostnames:\s+- imap\.gmail\.com\s+- smtp\.gmail\.com/);
  });
});

describeHelm('sidecar mode (deploy/helm/mail-processor includes the named templates)', () => {
  let example: string;
  beforeAll(() => {
    example = buildSidecarExample(helm as string);
  });

  const renderExample = (args: string[] = []): K8sDoc[] => helmTemplate(helm as string, 'mp', example, args);

  test('helm lint --strict passes on the example', () => {
    expect(run(helm as string, ['lint', '--strict', example]).status).toBe(0);
  });

  test('native sidecar: an initContainer with restartPolicy Always on the real ports, hostAliases, sysctl', () => {
    const docs = renderExample();
    expect(docs.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name)).toEqual(['mp-mail-processor']);
    expect(docs.some((d) => d.kind === 'Service')).toBe(false);
    const deploy = find(docs, 'Deployment', 'mp-mail-processor');
    const pod = deploy.spec.template.spec;
    const side = podContainer(deploy, 'ptunnel', 'initContainers');
    expect(side.restartPolicy).toBe('Always');
    expect(side.env).toContainEqual({ name: 'PTUNNEL_LISTEN', value: '127.0.0.1' });
    expect(side.ports.map((p: { containerPort: number }) => p.containerPort)).toEqual([9090, 993, 587, 465]);
    expectProbes(side);
    expectHardened(side, pod);
    expect(pod.containers.map((c: { name: string }) => c.name)).toEqual(['app']);
    expect(pod.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['imap.gmail.com', 'smtp.gmail.com'] }]);
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    const names = pod.volumes.map((v: { name: string }) => v.name);
    for (const m of side.volumeMounts) expect(names).toContain(m.name);
    const secretVol = pod.volumes.find((v: { name: string }) => v.name === 'ptunnel-proxy-credentials');
    expect(secretVol.secret.secretName).toBe('corp-proxy');
    const cm = find(docs, 'ConfigMap', 'mp-ptunnel');
    expect(pod.volumes.find((v: { name: string }) => v.name === 'ptunnel-config').configMap.name).toBe(cm.metadata.name);
    expect(YAML.parse(cm.data['config.yaml'])).toMatchObject({ presets: ['gmail'], localPorts: 'same', proxy: { user: 'mailbot' } });
  });

  test('classic sidecar: a second entry under containers, none under initContainers', () => {
    const deploy = find(renderExample(['--set', 'ptunnel.sidecar.native=false']), 'Deployment');
    const pod = deploy.spec.template.spec;
    expect(pod.initContainers ?? []).toEqual([]);
    const side = podContainer(deploy, 'ptunnel');
    expect(side.restartPolicy).toBeUndefined();
    expectProbes(side);
  });
});

describeKubectl('deploy/k8s (kustomize)', () => {
  function kustomize(dir: string): K8sDoc[] {
    const r = run(kubectl as string, ['kustomize', join(ROOT, 'deploy', 'k8s', dir)]);
    if (r.status !== 0) throw new Error(`kubectl kustomize deploy/k8s/${dir} failed:\n${r.stderr}`);
    return parseDocs(r.stdout);
  }

  test('the standalone base renders a hardened Deployment, Services and a PDB', () => {
    const docs = kustomize('standalone');
    const deploy = find(docs, 'Deployment', 'ptunnel');
    const c = podContainer(deploy);
    expectProbes(c);
    expectHardened(c, deploy.spec.template.spec);
    expect(find(docs, 'Service', 'ptunnel').spec.ports.map((p: { port: number }) => p.port)).toEqual([993, 587, 465]);
    const cmName = deploy.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'config').configMap.name;
    expect(cmName).toMatch(/^ptunnel-[a-z0-9]+$/); // the generator's hashed name
    find(docs, 'PodDisruptionBudget', 'ptunnel');
  });

  test('the sidecar example: native sidecar, hostAliases and the unprivileged-port sysctl', () => {
    const deploy = find(kustomize('sidecar'), 'Deployment', 'mail-processor');
    const pod = deploy.spec.template.spec;
    const side = podContainer(deploy, 'ptunnel', 'initContainers');
    expect(side.restartPolicy).toBe('Always');
    expectProbes(side);
    expectHardened(side, pod);
    expect(pod.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['imap.gmail.com', 'smtp.gmail.com'] }]);
    expect(pod.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
  });

  test('deploy/k8s renders both', () => {
    const kinds = kustomize('.').map((d) => `${d.kind}/${d.metadata.name}`);
    expect(kinds).toEqual(expect.arrayContaining(['Deployment/ptunnel', 'Deployment/mail-processor']));
  });
});
