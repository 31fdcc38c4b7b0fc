import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
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

describe('README Install, as written', () => {
  const commands = readmeCommands('Install');
  const blocks = [...new Set(commands.map((c) => c.block))];

  it.each(blocks)('block %i installs a working ptunnel command', (block) => {
    const tmp = mkdtempSync(join(tmpdir(), 'ptunnel-install-'));
    try {
      const checkout = join(tmp, 'ptunnel');
      const prefix = join(tmp, 'prefix');
      copyCheckout(checkout);
      const env = {
        ...process.env,
        HOME: join(tmp, 'home'),
        npm_config_prefix: prefix,
        npm_config_cache: join(process.env.HOME ?? tmp, '.npm'),
        npm_config_prefer_offline: 'true',
        npm_config_fund: 'false',
        npm_config_audit: 'false',
        PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`,
      };
      mkdirSync(env.HOME, { recursive: true });
      for (const c of commands.filter((x) => x.block === block)) {
        if (/^git clone /.test(c.text)) continue;
        const r = spawnSync('bash', ['-eo', 'pipefail', '-c', c.script], { cwd: checkout, env, encoding: 'utf8', timeout: 240_000 });
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
