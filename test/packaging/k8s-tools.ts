import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { findTool } from '../support/tools';

export const ROOT = resolve(__dirname, '..', '..');
export const CHART = join(ROOT, 'helm', 'ptunnel');
export const SIDECAR_EXAMPLE = join(ROOT, 'deploy', 'helm', 'mail-processor');

/** ../shared/tools beside the repository (CI clones the repo next to shared/). */
function sharedTool(): string | undefined {
  for (const dir of [process.env.PTUNNEL_SHARED_TOOLS, join(ROOT, '..', 'shared', 'tools')]) {
    if (dir && existsSync(join(dir, 'helm.sh'))) return join(dir, 'helm.sh');
  }
  return undefined;
}

/**
 * Path of helm (or kubectl): $HELM / $KUBECTL, then ../shared/tools/helm.sh, then PATH. Under
 * CI=true a missing tool is an error; elsewhere the caller skips.
 */
export function k8sTool(name: 'helm' | 'kubectl'): string | undefined {
  const fromEnv = process.env[name.toUpperCase()];
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const script = sharedTool();
  if (script) {
    try {
      return execFileSync('bash', [script, name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
    } catch {
      /* fall through to PATH */
    }
  }
  const found = findTool(name);
  if (!found && process.env.CI === 'true') {
    throw new Error(`${name} not found: CI=true needs ../shared/tools/helm.sh or ${name} on PATH`);
  }
  return found;
}

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], cwd = ROOT): RunResult {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sDoc = { kind: string; metadata: { name: string; annotations?: Record<string, string>; [k: string]: unknown }; [k: string]: any };

export function parseDocs(text: string): K8sDoc[] {
  return YAML.parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length > 0) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as K8sDoc | null;
    })
    .filter((d): d is K8sDoc => d !== null && typeof d === 'object');
}

/** `helm template RELEASE CHART ARGS...`, parsed; a failed render throws with helm's message. */
export function helmTemplate(helm: string, release: string, chart: string, args: string[] = []): K8sDoc[] {
  const r = run(helm, ['template', release, chart, ...args]);
  if (r.status !== 0) throw new Error(`helm template ${release} ${chart} ${args.join(' ')} failed:\n${r.stderr}`);
  return parseDocs(r.stdout);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function podContainer(doc: K8sDoc, name = 'ptunnel', list: 'containers' | 'initContainers' = 'containers'): any {
  const c = (doc.spec.template.spec[list] ?? []).find((x: { name: string }) => x.name === name);
  if (!c) throw new Error(`no ${list} entry ${name} in ${doc.kind}/${doc.metadata.name}`);
  return c;
}

export function find(docs: K8sDoc[], kind: string, name?: string): K8sDoc {
  const doc = docs.find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));
  if (!doc) throw new Error(`no ${kind}${name ? ` ${name}` : ''} among ${docs.map((d) => `${d.kind}/${d.metadata.name}`).join(', ')}`);
  return doc;
}

/**
 * The sidecar example chart copied to a temporary tree with the ptunnel chart at the same
 * relative place, its file:// dependency built there, so the repository stays untouched.
 */
export function buildSidecarExample(helm: string): string {
  const tmp = mkdtempSync(join(tmpdir(), 'ptunnel-helm-'));
  cpSync(CHART, join(tmp, 'helm', 'ptunnel'), { recursive: true });
  const example = join(tmp, 'deploy', 'helm', 'mail-processor');
  cpSync(SIDECAR_EXAMPLE, example, { recursive: true });
  const r = run(helm, ['dependency', 'build', example]);
  if (r.status !== 0) throw new Error(`helm dependency build failed: ${r.stderr}`);
  return example;
}
