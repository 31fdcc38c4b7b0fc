import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { buildSidecarExample, CHART, find, helmTemplate, k8sTool, K8sDoc, podContainer, run } from './k8s-tools';
import { sectionBlocks } from './readme-commands';

/**
 * Kerberos in the chart (issue 12): a krb5.conf (inline, into the chart's ConfigMap, or an
 * existing ConfigMap) and a client keytab Secret, mounted read-only as files, KRB5_CONFIG and
 * KRB5_CLIENT_KTNAME pointing at them, proxy.auth passed to ptunnel's config; standalone and
 * sidecar alike.
 */
const helm = k8sTool('helm');
const describeHelm = helm ? describe : describe.skip;

const KRB5_CONF = '[libdefaults]\n  default_realm = CORP.EXAMPLE\n  rdns = false\n';
const KERBEROS = {
  config: { proxy: { url: 'http://proxy.corp.example:3128', auth: 'negotiate' } },
  kerberos: { krb5Conf: { content: KRB5_CONF }, keytab: { existingSecret: 'mailbot-keytab' } },
};

function valuesFile(values: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-values-')), 'values.yaml');
  writeFileSync(file, YAML.stringify(values));
  return file;
}

const template = (values: unknown): K8sDoc[] => helmTemplate(helm as string, 'rel', CHART, ['-f', valuesFile(values)]);
type Named = { name: string };
const byName = (list: Named[] | undefined, name: string) => (list ?? []).find((x) => x.name === name);

/** The Kerberos env, mounts and volumes of one ptunnel container in its pod, checked in full. */
function expectKerberos(c: { env: Named[]; volumeMounts: Named[] }, pod: { volumes: Named[] }, configMap: string, configMapKey: string, secretMode: number): void {
  expect(c.env).toContainEqual({ name: 'KRB5_CONFIG', value: '/etc/ptunnel/krb5/krb5.conf' });
  expect(c.env).toContainEqual({ name: 'KRB5_CLIENT_KTNAME', value: '/etc/ptunnel/keytab/client.keytab' });
  expect(c.volumeMounts).toContainEqual({ name: 'ptunnel-krb5', mountPath: '/etc/ptunnel/krb5', readOnly: true });
  expect(c.volumeMounts).toContainEqual({ name: 'ptunnel-keytab', mountPath: '/etc/ptunnel/keytab', readOnly: true });
  expect(byName(pod.volumes, 'ptunnel-krb5')).toEqual({ name: 'ptunnel-krb5', configMap: { name: configMap, items: [{ key: configMapKey, path: 'krb5.conf' }] } });
  expect(byName(pod.volumes, 'ptunnel-keytab')).toEqual({
    name: 'ptunnel-keytab',
    secret: { secretName: 'mailbot-keytab', defaultMode: secretMode, items: [{ key: 'keytab', path: 'client.keytab' }] },
  });
  // the ticket cache Kerberos fills from the keytab lands in the writable /tmp
  expect(c.volumeMounts).toContainEqual({ name: 'ptunnel-tmp', mountPath: '/tmp' });
}

describeHelm('helm/ptunnel: Kerberos (krb5.conf, keytab, proxy.auth)', () => {
  test('default values: no Kerberos env, mounts or volumes, no proxy.auth', () => {
    const docs = template({});
    const deploy = find(docs, 'Deployment');
    const c = podContainer(deploy);
    expect(c.env.map((e: Named) => e.name).filter((n: string) => n.startsWith('KRB5'))).toEqual([]);
    expect(byName(deploy.spec.template.spec.volumes, 'ptunnel-krb5')).toBeUndefined();
    expect(byName(deploy.spec.template.spec.volumes, 'ptunnel-keytab')).toBeUndefined();
    expect(find(docs, 'ConfigMap').data['krb5.conf']).toBeUndefined();
    expect(YAML.parse(find(docs, 'ConfigMap').data['config.yaml']).proxy).toBeUndefined();
  });

  test('standalone: inline krb5.conf into the ConfigMap, keytab Secret as a file, proxy.auth negotiate', () => {
    const docs = template(KERBEROS);
    const deploy = find(docs, 'Deployment', 'rel-ptunnel');
    const cm = find(docs, 'ConfigMap', 'rel-ptunnel');
    expect(cm.data['krb5.conf']).toBe(KRB5_CONF.trim() + '\n');
    expect(YAML.parse(cm.data['config.yaml']).proxy).toEqual({ url: 'http://proxy.corp.example:3128', auth: 'negotiate' });
    expectKerberos(podContainer(deploy), deploy.spec.template.spec, 'rel-ptunnel', 'krb5.conf', 0o440);
    // the keytab comes only from the existing Secret: the chart renders no Secret of its own
    expect(docs.some((d) => d.kind === 'Secret')).toBe(false);
  });

  test('an existing ConfigMap and key for krb5.conf; another keytab Secret rolls the pods', () => {
    const values = { kerberos: { krb5Conf: { existingConfigMap: 'corp-krb5', existingConfigMapKey: 'corp.conf' }, keytab: { existingSecret: 'mailbot-keytab' } } };
    const docs = template(values);
    const deploy = find(docs, 'Deployment');
    expectKerberos(podContainer(deploy), deploy.spec.template.spec, 'corp-krb5', 'corp.conf', 0o440);
    expect(find(docs, 'ConfigMap').data['krb5.conf']).toBeUndefined();
    const other = find(template({ ...values, kerberos: { ...values.kerberos, keytab: { existingSecret: 'other-keytab' } } }), 'Deployment');
    expect(other.spec.template.metadata.annotations['checksum/kerberos']).not.toBe(deploy.spec.template.metadata.annotations['checksum/kerberos']);
  });

  test('the README\'s Kerberos values, as written, render the mounts, the env and proxy.auth', () => {
    const block = sectionBlocks('Kubernetes (Helm)', 'yaml').find((b) => b.code.includes('kerberos:'));
    expect(block).toBeDefined();
    const values = YAML.parse(block?.code ?? '');
    const docs = template(values);
    const deploy = find(docs, 'Deployment');
    expectKerberos(podContainer(deploy), deploy.spec.template.spec, 'rel-ptunnel', 'krb5.conf', 0o440);
    const cm = find(docs, 'ConfigMap');
    expect(cm.data['krb5.conf']).toContain('default_realm = CORP.EXAMPLE');
    expect(YAML.parse(cm.data['config.yaml']).proxy.auth).toBe('negotiate');
  });

  test.each(['auto', 'basic', 'ntlm', 'negotiate'])('proxy.auth %s reaches ptunnel\'s config file', (auth) => {
    const cm = find(template({ config: { proxy: { url: 'http://p:3128', auth } } }), 'ConfigMap');
    expect(YAML.parse(cm.data['config.yaml']).proxy.auth).toBe(auth);
  });

  test('proxy.spn reaches ptunnel\'s config file; empty leaves ptunnel\'s default', () => {
    const spn = (v: string) => YAML.parse(find(template({ config: { proxy: { url: 'http://10.0.0.8:3128', spn: v } } }), 'ConfigMap').data['config.yaml']).proxy.spn;
    expect(spn('HTTP@proxy.corp.example')).toBe('HTTP@proxy.corp.example');
    expect(spn('')).toBeUndefined();
  });

  test.each([
    ['a service name with a space', { config: { proxy: { spn: 'HTTP@a b' } } }],
    ['an unknown scheme', { config: { proxy: { auth: 'kerberos' } } }],
    ['an unknown kerberos key', { kerberos: { keytab: { existingSecret: 'k', path: '/x' } } }],
    ['an unknown krb5Conf key', { kerberos: { krb5Conf: { file: '/etc/krb5.conf' } } }],
    ['an empty keytab key', { kerberos: { keytab: { existingSecret: 'k', existingSecretKey: '' } } }],
    ['an unknown key under kerberos', { kerberos: { ccache: 'FILE:/tmp/x' } }],
  ])('values.schema.json rejects %s', (_name, values) => {
    const r = run(helm as string, ['template', 'rel', CHART, '-f', valuesFile(values)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/values don't meet the specifications of the schema/);
  });

  test('sidecar (native and classic): the same files and env in the app\'s pod, keytab readable by 65532', () => {
    const example = buildSidecarExample(helm as string);
    const set = [
      '--set', 'ptunnel.config.proxy.auth=negotiate',
      '--set-string', `ptunnel.kerberos.krb5Conf.content=${KRB5_CONF}`,
      '--set', 'ptunnel.kerberos.keytab.existingSecret=mailbot-keytab',
    ];
    const docs = helmTemplate(helm as string, 'mp', example, set);
    const deploy = find(docs, 'Deployment', 'mp-mail-processor');
    const pod = deploy.spec.template.spec;
    // someone else's pod: its fsGroup is not ours, so the keytab is 0444 (only ptunnel mounts it)
    expectKerberos(podContainer(deploy, 'ptunnel', 'initContainers'), pod, 'mp-ptunnel', 'krb5.conf', 0o444);
    expect(find(docs, 'ConfigMap', 'mp-ptunnel').data['krb5.conf']).toContain('default_realm = CORP.EXAMPLE');
    expect(YAML.parse(find(docs, 'ConfigMap', 'mp-ptunnel').data['config.yaml']).proxy.auth).toBe('negotiate');
    // the app container gets none of it
    expect(byName(podContainer(deploy, 'app').volumeMounts, 'ptunnel-keytab')).toBeUndefined();
    const classic = find(helmTemplate(helm as string, 'mp', example, [...set, '--set', 'ptunnel.sidecar.native=false']), 'Deployment');
    expectKerberos(podContainer(classic, 'ptunnel'), classic.spec.template.spec, 'mp-ptunnel', 'krb5.conf', 0o444);
  });
});
