import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { CHART, find, helmTemplate, k8sTool, K8sDoc, podContainer, ROOT, run } from './k8s-tools';

/**
 * The values issue 17 added, rendered and asserted: autoscaling (HPA autoscaling/v2),
 * topologySpreadConstraints, affinity (opaque), config.dns.allow, and the podman render mode.
 */
const helm = k8sTool('helm');
const describeHelm = helm ? describe : describe.skip;
const template = (args: string[]): K8sDoc[] => helmTemplate(helm as string, 'rel', CHART, args);
function valuesFile(values: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-values-')), 'values.yaml');
  writeFileSync(file, YAML.stringify(values));
  return file;
}

describeHelm('scale-out values', () => {
  it('no HPA by default; autoscaling.enabled renders autoscaling/v2 on CPU and memory and leaves replicas to it', () => {
    expect(template([]).some((d) => d.kind === 'HorizontalPodAutoscaler')).toBe(false);
    const docs = template(['-f', valuesFile({ autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 7, targetCPUUtilizationPercentage: 60, targetMemoryUtilizationPercentage: 75 } })]);
    const hpa = find(docs, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'rel-ptunnel' }, minReplicas: 3, maxReplicas: 7 });
    expect(hpa.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 75 } } },
    ]);
    expect(find(docs, 'Deployment').spec.replicas).toBeUndefined();
  });

  it('one target may be null; none, or min above max, is refused with the value to fix', () => {
    const hpa = find(template(['-f', valuesFile({ autoscaling: { enabled: true, targetMemoryUtilizationPercentage: null } })]), 'HorizontalPodAutoscaler');
    expect(hpa.spec.metrics.map((m: { resource: { name: string } }) => m.resource.name)).toEqual(['cpu']);
    const none = run(helm as string, ['template', 'rel', CHART, '-f', valuesFile({ autoscaling: { enabled: true, targetCPUUtilizationPercentage: null, targetMemoryUtilizationPercentage: null } })]);
    expect(none.status).not.toBe(0);
    expect(none.stderr).toContain('autoscaling.enabled: set targetCPUUtilizationPercentage or targetMemoryUtilizationPercentage');
    const inverted = run(helm as string, ['template', 'rel', CHART, '--set', 'autoscaling.enabled=true', '--set', 'autoscaling.minReplicas=5', '--set', 'autoscaling.maxReplicas=2']);
    expect(inverted.stderr).toContain('minReplicas 5 is above maxReplicas 2');
  });

  it('topologySpreadConstraints get the release\'s selector unless they bring one', () => {
    const pod = find(template(['-f', valuesFile({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' }] })]), 'Deployment').spec.template.spec;
    expect(pod.topologySpreadConstraints).toEqual([
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'ptunnel', 'app.kubernetes.io/instance': 'rel' } } },
    ]);
    const bad = run(helm as string, ['template', 'rel', CHART, '-f', valuesFile({ topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', bogus: 1 }] })]);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toMatch(/schema/);
  });

  it('affinity passes through as written (the schema\'s one opaque object)', () => {
    const affinity = { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'ptunnel' } } } }] } };
    expect(find(template(['-f', valuesFile({ affinity })]), 'Deployment').spec.template.spec.affinity).toEqual(affinity);
    expect(find(template([]), 'Deployment').spec.template.spec.affinity).toBeUndefined();
  });

  it('config.dns.allow reaches the config file beside dns.servers', () => {
    const cm = find(template(['--set', 'config.dns.servers={10.0.0.53}', '--set', 'config.dns.allow={127.0.0.2,10.1.0.0/16}']), 'ConfigMap');
    expect(YAML.parse(cm.data['config.yaml']).dns).toEqual({ servers: ['10.0.0.53'], allow: ['127.0.0.2', '10.1.0.0/16'] });
  });
});

describeHelm('podman render mode (deploy/podman/values.yaml)', () => {
  const podman = join(ROOT, 'deploy', 'podman', 'values.yaml');
  it('renders only what podman kube play runs: no Service, PDB, HPA, test pod, port mappings or probes', () => {
    const docs = template(['-f', podman, '--set', 'proxyCredentials.password=pw', '--set', 'autoscaling.enabled=true', '--set', 'networkPolicy.enabled=true', '--set', 'serviceMonitor.enabled=true']);
    expect(docs.map((d) => d.kind).sort()).toEqual(['ConfigMap', 'Deployment', 'Secret']);
    const c = podContainer(find(docs, 'Deployment'));
    expect(c.ports).toBeUndefined();
    expect([c.startupProbe, c.livenessProbe, c.readinessProbe]).toEqual([undefined, undefined, undefined]);
    expect(c.image).toBe('localhost/ptunnel:ci');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsUser: 65532, capabilities: { drop: ['ALL'] } });
    const secretVolume = find(docs, 'Deployment').spec.template.spec.volumes.find((v: { secret?: unknown }) => v.secret);
    expect(secretVolume.secret.optional).toBe(false);
  });
  it('leaves the cluster render as it was', () => {
    const c = podContainer(find(template([]), 'Deployment'));
    expect(c.livenessProbe.httpGet.path).toBe('/livez');
    expect(c.ports.length).toBeGreaterThan(0);
  });
});
