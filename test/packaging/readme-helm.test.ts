import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { buildSidecarExample, CHART, find, k8sTool, K8sDoc, parseDocs, ROOT, run, SIDECAR_EXAMPLE } from './k8s-tools';
import { blockCommands, readmeCommands, sectionBlocks, sectionText, shellWords, splitAssignments } from './readme-commands';

/**
 * README.md's "## Kubernetes (Helm)" section, walked through as written (issue 6). Each command
 * of its `sh` blocks runs without a cluster:
 *   kubectl create secret ...      -> the same command + `--dry-run=client -o yaml` (in a temp dir
 *                                     holding the ./proxy-password the README assumes)
 *   helm install NAME CHART FLAGS  -> `helm template NAME CHART FLAGS` (the manifests) and the
 *                                     same install + `--dry-run=client` (NOTES.txt)
 *   helm test NAME                 -> the rendered test hook of that release
 * A command of any other kind fails the test, so a new README command cannot go unchecked. The
 * sidecar YAML snippet is rendered for real: its values become the values.yaml of a chart that
 * depends on helm/ptunnel (deploy/helm/mail-processor with its own templates swapped out) and
 * its pod-spec lines go, verbatim, into a Pod of that chart.
 */
const SECTION = 'Kubernetes (Helm)';
const helm = k8sTool('helm');
const kubectl = k8sTool('kubectl');
const describeHelm = helm ? describe : describe.skip;

const commands = readmeCommands(SECTION);
const words = (text: string) => splitAssignments(shellWords(text)).argv;
const installs = commands.filter((c) => /^helm install /.test(c.text));
const secrets = commands.filter((c) => /^kubectl create secret /.test(c.text));
const helmTests = commands.filter((c) => /^helm test /.test(c.text));

/** `--set a=b` / `--set=a=b` pairs of a helm command line, in order. */
function setFlags(argv: string[]): Map<string, string> {
  const sets = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = a === '--set' ? argv[++i] : a.startsWith('--set=') ? a.slice('--set='.length) : undefined;
    if (v === undefined) continue;
    const eq = v.indexOf('=');
    sets.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return sets;
}

function helmRun(args: string[], cwd = ROOT): string {
  const r = run(helm as string, args, cwd);
  if (r.status !== 0) throw new Error(`helm ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return r.stdout;
}

describe('README extractor', () => {
  test('joins continuations, drops comments, keeps here-documents and quoting', () => {
    const cmds = blockCommands({
      lang: 'sh',
      line: 10,
      code: [
        'a --x \\',
        "  --set k='{v}' \\",
        '  --y=1            # a comment',
        '# only a comment',
        "cat > f <<'E'",
        'A=b c',
        'E',
        'd -v "$PWD/f:/g:ro" \'$PWD\' x#y',
      ].join('\n'),
    });
    expect(cmds.map((c) => c.line)).toEqual([10, 14, 17]);
    expect(shellWords(cmds[0]?.text ?? '')).toEqual(['a', '--x', '--set', 'k={v}', '--y=1']);
    expect(cmds[1]?.heredoc).toEqual({ delimiter: 'E', body: 'A=b c\n' });
    expect(shellWords(cmds[2]?.text ?? '', { PWD: '/t' })).toEqual(['d', '-v', '/t/f:/g:ro', '$PWD', 'x#y']);
    expect(() => shellWords('x "$NOPE"', {})).toThrow(/NOPE/);
  });

  test(`every command of "## ${SECTION}" is one the tests walk through`, () => {
    expect(commands.length).toBeGreaterThan(0);
    const known = [...installs, ...secrets, ...helmTests];
    const unknown = commands.filter((c) => !known.includes(c)).map((c) => `README line ${c.line}: ${c.text}`);
    expect(unknown).toEqual([]);
    expect(installs.length).toBeGreaterThan(0);
  });

  test('the files and directories the section names exist', () => {
    const paths = [...sectionText(SECTION).matchAll(/`((?:helm|deploy)\/[^`\s]+)`/g)].map((m) => m[1] as string);
    expect(paths).toEqual(expect.arrayContaining(['deploy/helm/mail-processor', 'helm/ptunnel/templates/_sidecar.tpl']));
    expect(paths.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });
});

describeHelm('README "## Kubernetes (Helm)": standalone commands as written', () => {
  const prose = sectionText(SECTION);

  test.each(secrets.map((c) => [c.line, c.text]))('README line %d: %s (--dry-run=client)', (_line, text) => {
    if (!kubectl) throw new Error('kubectl not found (../shared/tools/helm.sh kubectl)');
    const argv = words(text);
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-readme-secret-'));
    try {
      writeFileSync(join(dir, 'proxy-password'), 'correct horse\n', { mode: 0o600 });
      const r = run(kubectl, [...argv.slice(1), '--dry-run=client', '-o', 'yaml'], dir);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const secret = YAML.parse(r.stdout);
      expect(secret.kind).toBe('Secret');
      // the secret the install line points the chart at, under the key the chart reads
      const install = words(installs[0]?.text ?? '');
      expect(secret.metadata.name).toBe(setFlags(install).get('proxyCredentials.existingSecret'));
      const key = setFlags(install).get('proxyCredentials.existingSecretKey') ?? YAML.parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')).proxyCredentials.existingSecretKey;
      expect(Buffer.from(secret.data[key], 'base64').toString()).toBe('correct horse\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe.each(installs.map((c) => [c.line, c.text]))('README line %d: %s', (_line, text) => {
    const argv = words(text);
    const [, verb, release, chart, ...flags] = argv as [string, string, string, string, ...string[]];
    const sets = setFlags(flags);
    let docs: K8sDoc[];
    const svcName = `${release}-ptunnel`;

    beforeAll(() => {
      expect(verb).toBe('install');
      docs = parseDocs(helmRun(['template', release, chart, ...flags]));
    });

    test('helm template with the same name, chart and flags renders', () => {
      expect(existsSync(join(ROOT, chart, 'Chart.yaml'))).toBe(true);
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(
        expect.arrayContaining([`Deployment/${svcName}`, `Service/${svcName}`, `Service/${svcName}-admin`, `ConfigMap/${svcName}`, `PodDisruptionBudget/${svcName}`]),
      );
    });

    test('the Service answers on the ports the README says', () => {
      const ports = find(docs, 'Service', svcName).spec.ports as { port: number; targetPort: string }[];
      const c = find(docs, 'Deployment', svcName).spec.template.spec.containers[0];
      const named = new Map<string, number>(c.ports.map((p: { name: string; containerPort: number }) => [p.name, p.containerPort]));
      if (sets.get('service.remotePorts') === 'true') {
        // "# the Service answers on 993/587/465"
        const claimed = /remotePorts=true\s+# the Service answers on ([\d/]+)/.exec(prose)?.[1]?.split('/').map(Number);
        expect(claimed).toEqual([993, 587, 465]);
        expect(ports.map((p) => p.port)).toEqual(claimed);
      }
      // each Service port reaches a tunnel port of the container
      expect(ports.map((p) => named.get(p.targetPort))).toEqual([9993, 5587, 4465]);
    });

    test('the config carries the presets, proxy and user of the flags; the password is a file from existingSecret', () => {
      const config = YAML.parse(find(docs, 'ConfigMap', svcName).data['config.yaml']);
      expect(config.presets).toEqual(
        sets
          .get('config.presets')
          ?.replace(/^\{|\}$/g, '')
          .split(','),
      );
      expect(config.proxy.url).toBe(sets.get('config.proxy.url'));
      expect(config.proxy.user).toBe(sets.get('config.proxy.user'));
      // "The password is mounted as a file (`/etc/ptunnel/proxy/password`), never passed in the environment."
      const file = /The password is mounted as a file \(`([^`]+)`\)/.exec(prose)?.[1];
      expect(file).toBe('/etc/ptunnel/proxy/password');
      expect(config.proxy.passwordFile).toBe(file);
      const pod = find(docs, 'Deployment', svcName).spec.template.spec;
      const c = pod.containers[0];
      const mount = c.volumeMounts.find((m: { mountPath: string }) => file?.startsWith(`${m.mountPath}/`));
      expect(mount).toMatchObject({ readOnly: true });
      const volume = pod.volumes.find((v: { name: string }) => v.name === mount.name);
      expect(volume.secret.secretName).toBe(sets.get('proxyCredentials.existingSecret'));
      expect(`${mount.mountPath}/${volume.secret.items[0].path}`).toBe(file);
      expect(JSON.stringify(c.env ?? [])).not.toMatch(/PASSWORD/i);
      expect(c.args.join(' ')).not.toMatch(/password/i);
      // existingSecret: the chart creates no Secret of its own
      expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]);
    });

    test('locked-down defaults and probes, as the README lists them', () => {
      const pod = find(docs, 'Deployment', svcName).spec.template.spec;
      const c = pod.containers[0];
      expect(prose).toContain('non-root (65532), read-only root filesystem, all capabilities dropped');
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
      expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.enableServiceLinks).toBe(false);
      expect(c.startupProbe.httpGet.path).toBe('/startup');
      expect(c.livenessProbe.httpGet.path).toBe('/livez');
      expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    });

    test('helm install ... --dry-run=client: the NOTES list the endpoints and the hostAliases', () => {
      const out = helmRun([...argv.slice(1), '--dry-run=client']);
      const notes = out.slice(out.indexOf('NOTES:'));
      expect(notes).toContain(`${svcName}.default.svc:993  ->  imap.gmail.com:993`);
      expect(notes).toMatch(/hostAliases:\s+- ip: "CLUSTER_IP"\s+hostnames:\s+- imap\.gmail\.com\s+- smtp\.gmail\.com/);
      expect(notes).toContain(`helm test ${release}`);
    });

    test.each(helmTests.map((c) => [c.line, c.text]))('README line %d: %s -> the release\'s test hook checks /readyz and every Service port', (_l, testText) => {
      expect(words(testText)).toEqual(['helm', 'test', release]);
      const hook = find(docs, 'Pod', `${svcName}-test`);
      expect(hook.metadata.annotations?.['helm.sh/hook']).toBe('test');
      const env = new Map<string, string>(hook.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
      expect(env.get('READYZ_URL')).toBe(`http://${svcName}-admin:9090/readyz`);
      const ports = find(docs, 'Service', svcName).spec.ports.map((p: { port: number }) => `${svcName}:${p.port}`);
      expect(env.get('TARGETS')?.split(',')).toEqual(ports);
    });
  });
});

describeHelm('README "## Kubernetes (Helm)": the sidecar snippet renders in a chart of its own', () => {
  const blocks = sectionBlocks(SECTION, 'yaml');
  const snippet = blocks.find((b) => b.code.includes('ptunnel.sidecar.initContainers'));
  const [valuesPart, podPart] = (snippet?.code ?? '').split(/^# your pod spec\s*$/m) as [string, string | undefined];
  const sidecarTpl = readFileSync(join(CHART, 'templates', '_sidecar.tpl'), 'utf8');
  const defined = new Set([...sidecarTpl.matchAll(/\{\{-?\s*define\s+"([^"]+)"/g)].map((m) => m[1]));
  const included = [...(podPart ?? '').matchAll(/include\s+"([^"]+)"/g)].map((m) => m[1] as string);
  let pod: K8sDoc;
  let docs: K8sDoc[];

  beforeAll(() => {
    const chart = buildSidecarExample(helm as string);
    // the README's values, verbatim, as the chart's values.yaml; the README's pod-spec lines,
    // verbatim, in a Pod (the app container is "yours": the wrapper adds a stand-in)
    writeFileSync(join(chart, 'values.yaml'), valuesPart);
    rmSync(join(chart, 'templates'), { recursive: true, force: true });
    const tpl = [
      '{{- define "readme.podspec" }}',
      podPart,
      '{{- end }}',
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: readme-snippet',
      'spec:',
      '  {{- include "readme.podspec" . | nindent 2 }}',
      '  containers:',
      '    - name: app',
      '      image: registry.example.com/app:1',
      '',
    ].join('\n');
    mkdirSync(join(chart, 'templates'));
    writeFileSync(join(chart, 'templates', 'pod.yaml'), tpl);
    docs = parseDocs(helmRun(['template', 'app', chart]));
    pod = find(docs, 'Pod', 'readme-snippet');
    // buildSidecarExample's temporary tree: TMP/deploy/helm/mail-processor
    const tree = resolve(chart, '..', '..', '..');
    if (tree.startsWith(tmpdir())) rmSync(tree, { recursive: true, force: true });
  });

  test('the snippet has a values part and a pod-spec part', () => {
    expect(snippet).toBeDefined();
    expect(podPart).toBeDefined();
    expect(YAML.parse(valuesPart).ptunnel.standalone).toEqual({ enabled: false });
  });

  test('every template it includes is defined in _sidecar.tpl and used by deploy/helm/mail-processor', () => {
    const example = readFileSync(join(SIDECAR_EXAMPLE, 'templates', 'deployment.yaml'), 'utf8');
    expect(included.length).toBeGreaterThan(0);
    for (const name of included) {
      expect({ name, defined: defined.has(name) }).toEqual({ name, defined: true });
      expect({ name, inExample: example.includes(`include "${name}"`) }).toEqual({ name, inExample: true });
    }
    // and so is every ptunnel.* template the prose names
    const named = [...sectionText(SECTION).matchAll(/`(ptunnel\.(?:sidecar\.)?[A-Za-z]+)`/g)].map((m) => m[1] as string);
    const templates = named.filter((n) => n !== 'ptunnel.sidecar.native');
    expect(templates.filter((n) => !defined.has(n))).toEqual([]);
  });

  test('a native sidecar on the real ports, the hostAliases, and a pod Kubernetes would accept', () => {
    expect(pod.spec.hostAliases).toEqual([{ ip: '127.0.0.1', hostnames: ['imap.gmail.com', 'smtp.gmail.com'] }]);
    const sidecar = pod.spec.initContainers.find((c: { name: string }) => c.name === 'ptunnel');
    expect(sidecar.restartPolicy).toBe('Always');
    const ports = sidecar.ports.map((p: { containerPort: number }) => p.containerPort);
    expect(ports).toEqual(expect.arrayContaining([993, 587, 465]));
    // every volumeMount has its volume (else the API server rejects the pod)
    const volumes = new Set((pod.spec.volumes ?? []).map((v: { name: string }) => v.name));
    const missing = sidecar.volumeMounts.map((m: { name: string }) => m.name).filter((n: string) => !volumes.has(n));
    expect(missing).toEqual([]);
    // uid 65532 binding 993 needs the sysctl (there is no capability to fall back on)
    expect(sidecar.securityContext.capabilities.drop).toEqual(['ALL']);
    expect(pod.spec.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
    // the ConfigMap the sidecar mounts is rendered (by the dependency) under the name it mounts
    const config = pod.spec.volumes.find((v: { configMap?: unknown }) => v.configMap);
    expect(find(docs, 'ConfigMap', config.configMap.name).data['config.yaml']).toContain('localPorts: same');
    expect(docs.filter((d) => d.kind === 'Deployment' || d.kind === 'Service')).toEqual([]);
  });
});
