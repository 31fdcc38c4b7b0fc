import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readmeCommands } from './readme-commands';

/*
 * Issue 15: the README's "## Install" commands, run as written in a copy of this checkout (its
 * files as git sees them, no node_modules, no dist/). The global prefix is a temporary directory
 * (npm_config_prefix), so nothing lands on the machine; the one command that cannot run here as
 * written is the `git clone` of the published repository, replaced by that copy.
 */
const ROOT = join(__dirname, '..', '..');

function copyCheckout(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT }).toString('utf8').split('\0').filter(Boolean);
  mkdirSync(dest, { recursive: true });
  const tar = spawnSync('bash', ['-c', `tar -cf - --null -T - | tar -xf - -C ${JSON.stringify(dest)}`], { cwd: ROOT, input: files.join('\0') });
  if (tar.status !== 0) throw new Error(`copying the checkout failed: ${tar.stderr.toString()}`);
}

const NOBODY = 65534;

function chownTree(path: string, uid: number): void {
  chownSync(path, uid, uid);
  if (statSync(path).isDirectory()) for (const n of readdirSync(path)) chownTree(join(path, n), uid);
}

/*
 * Each block runs as this user and, when that is root, also as an ordinary user ("nobody", with
 * a home of its own and the global prefix there, as the README's "--prefix ~/.local" says): npm
 * then has no rights outside that home, and a build step that needed them would show here.
 */
const users: Array<{ who: string; uid?: number }> = [{ who: process.getuid?.() === 0 ? 'root' : 'this user' }];
if (process.getuid?.() === 0) users.push({ who: 'an ordinary user', uid: NOBODY });

describe('README Install, as written', () => {
  const commands = readmeCommands('Install');
  const blocks = [...new Set(commands.map((c) => c.block))];
  const cases = blocks.flatMap((block) => users.map((u) => ({ block, ...u })));

  it.each(cases)('block $block, as $who, installs a working ptunnel command', ({ block, uid }) => {
    const tmp = mkdtempSync(join(tmpdir(), 'ptunnel-install-'));
    try {
      const checkout = join(tmp, 'ptunnel');
      const prefix = join(tmp, 'prefix');
      copyCheckout(checkout);
      const ownCache = join(process.env.HOME ?? tmp, '.npm');
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        HOME: join(tmp, 'home'),
        npm_config_prefix: prefix,
        npm_config_cache: uid === undefined ? ownCache : join(tmp, 'npm-cache'),
        npm_config_prefer_offline: 'true',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
      };
      mkdirSync(env.HOME as string, { recursive: true });
      mkdirSync(prefix, { recursive: true });
      if (uid !== undefined) {
        // The packages this machine already downloaded, in a cache the user owns: the registry is
        // the only network here, and the test is about rights, not downloads.
        if (existsSync(ownCache)) cpSync(ownCache, env.npm_config_cache as string, { recursive: true });
        // Offline, node-gyp finds the Node headers only where this machine's npm config says.
        if (existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
        chmodSync(tmp, 0o755);
        for (const d of [checkout, prefix, env.HOME as string, env.npm_config_cache as string]) if (existsSync(d)) chownTree(d, uid);
      }
      for (const c of commands.filter((x) => x.block === block)) {
        if (/^git clone /.test(c.text)) continue;
        const argv = ['bash', '-eo', 'pipefail', '-c', c.script];
        const [file, ...rest] = uid === undefined ? argv : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...argv];
        const r = spawnSync(file as string, rest, { cwd: checkout, env, encoding: 'utf8', timeout: 240_000 });
        const out = `${r.stdout}${r.stderr}`;
        expect({ command: c.text, line: c.line, status: r.status, out: r.status === 0 ? '' : out.slice(-2000) }).toEqual({ command: c.text, line: c.line, status: 0, out: '' });
        if (/^ptunnel --version/.test(c.text)) expect(r.stdout).toMatch(/^ptunnel \d+\.\d+\.\d+/);
        if (/^ptunnel presets/.test(c.text)) expect(r.stdout).toContain('gmail');
      }
      // The installed command is the one under the prefix, not one from elsewhere on PATH.
      const which = spawnSync('bash', ['-c', 'command -v ptunnel'], { env, encoding: 'utf8' });
      expect(which.stdout.trim()).toBe(join(prefix, 'bin', 'ptunnel'));
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }, 400_000);
});
