import { localPortOf, LOCAL_PORTS } from '../../src/presets/local-ports';
import { loadPresetCatalog } from '../../src/presets/load';
import { hosts } from '../support/hosts-files';
import { buildSidecarExample, CHART, find, helmTemplate, k8sTool, podContainer } from './k8s-tools';

/**
 * The chart renders every built-in preset as the CLI does: a pod's hostAliases hold exactly the
 * names `ptunnel hosts --preset NAME` prints (none for the SSH presets, which it refuses with a
 * reason), and the container and Service ports are the preset's local ports in either
 * config.localPorts mode.
 */
const helm = k8sTool('helm');
const describeHelm = helm ? describe : describe.skip;
const presets = [...loadPresetCatalog().presets.values()];

/** The host names of the lines `ptunnel hosts --preset NAME` prints; none when it prints none. */
async function hostsPrinted(name: string): Promise<string[]> {
  const r = await hosts('--preset', name);
  if (r.error) {
    expect(r.error.message).toMatch(/needs no hosts-file lines/);
    expect(r.stdout).toBe('');
    return [];
  }
  // One name per address family (127.0.0.1 and ::1); hostAliases name each once.
  const names = r.stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(' ')[1] as string);
  return [...new Set(names)];
}

test('presets/ holds the built-in presets, SSH ones among them', () => {
  expect(presets.map((p) => p.name)).toEqual(expect.arrayContaining(['gmail', 'github-ssh', 'gitlab-ssh']));
});

describeHelm.each(presets.map((p) => [p.name, p] as const))('helm/ptunnel with config.presets [%s]', (name, preset) => {
  test.each(LOCAL_PORTS)('localPorts %s: container and Service ports are the preset\'s local ports', (mode) => {
    const expected = preset.tunnels.map((t) => localPortOf(t, mode));
    const docs = helmTemplate(helm as string, 'rel', CHART, ['--set', `config.presets={${name}}`, '--set', `config.localPorts=${mode === 'same' ? 'same' : ''}`]);
    const ports = podContainer(find(docs, 'Deployment')).ports.filter((p: { name: string }) => p.name !== 'ptunnel-admin');
    expect(ports.map((p: { containerPort: number }) => p.containerPort)).toEqual(expected);
    expect(find(docs, 'Service', 'rel-ptunnel').spec.ports.map((p: { port: number }) => p.port)).toEqual(expected);
  });

  test('sidecar: the pod\'s hostAliases are the names `ptunnel hosts --preset NAME` prints', async () => {
    const names = await hostsPrinted(name);
    const docs = helmTemplate(helm as string, 'mp', sidecarExample(), ['--set', `ptunnel.config.presets={${name}}`]);
    const pod = find(docs, 'Deployment').spec.template.spec;
    expect(pod.hostAliases ?? []).toEqual(names.length > 0 ? [{ ip: '127.0.0.1', hostnames: names }] : []);
  });
});

let example: string | undefined;
function sidecarExample(): string {
  example ??= buildSidecarExample(helm as string);
  return example;
}
