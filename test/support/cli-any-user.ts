import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
let built: string | undefined;

function openUp(path: string): void {
  chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
  if (statSync(path).isDirectory()) for (const n of readdirSync(path)) openUp(join(path, n));
}

/**
 * The built CLI as one file that any user can run. A test that runs ptunnel as another user
 * (setpriv to nobody) cannot use dist/main.js when the checkout sits under a directory only its
 * owner may enter (a clone in `mktemp -d`, a home directory of 0700): node then reports the
 * module missing instead of the message the test looks for. esbuild bundles dist/main.js with
 * its dependencies into a world-readable temp directory, laid out as the package is
 * (dist/cli/main.js, package.json, presets/) so that the version and the built-in presets are found.
 */
export function cliAnyUserCanRun(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-cli-'));
  const out = join(dir, 'dist', 'cli', 'main.js');
  mkdirSync(join(dir, 'dist', 'cli'), { recursive: true });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('esbuild').buildSync({ entryPoints: [join(ROOT, 'dist', 'main.js')], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, external: ['kerberos'], logLevel: 'error' });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'presets'), join(dir, 'presets'), { recursive: true });
  openUp(dir);
  built = out;
  return out;
}

/** Runs ptunnel as "nobody" (root only: setpriv drops to uid and gid 65534 with no groups). */
export function runCliAsNobody(args: string[], env: NodeJS.ProcessEnv): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, cliAnyUserCanRun(), ...args], { encoding: 'utf8', env, timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
