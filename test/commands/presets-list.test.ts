import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/cli/main';

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  const code = await dispatch(['presets', ...argv], { stdout: (t) => void (stdout += t), stderr: () => undefined, env });
  return { code, stdout };
}

describe('ptunnel presets', () => {
  it('lists every preset with its description and ports', async () => {
    const { code, stdout } = await run([]);
    expect(code).toBe(0);
    for (const name of ['fastmail', 'github-ssh', 'gitlab-ssh', 'gmail', 'icloud', 'office365', 'outlook', 'yahoo', 'zoho']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(stdout).toMatch(/gmail +Gmail and Google Workspace mail \(IMAP, SMTP\)\n +9993->imap\.gmail\.com:993, 5587->smtp\.gmail\.com:587, 4465->smtp\.gmail\.com:465/);
  });

  it('includes the user presets from PTUNNEL_PRESETS_DIR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-presets-'));
    writeFileSync(join(dir, 'work.yaml'), 'name: work\ndescription: the office\ntunnels:\n  - { local: 20993, host: mail.corp.example, port: 993 }\n');
    expect((await run([], { PTUNNEL_PRESETS_DIR: dir })).stdout).toMatch(/work +the office\n +20993->mail\.corp\.example:993/);
  });

  it('refuses an unknown action in one line', async () => {
    await expect(run(['shw', 'gmail'])).rejects.toThrow(/^presets: unknown action "shw"; use "ptunnel presets" or "ptunnel presets show NAME"$/);
    await expect(run(['show'])).rejects.toThrow(/which preset\?/);
    await expect(run(['--bogus'])).rejects.toThrow(/^presets: unknown option --bogus; see "ptunnel presets --help"$/);
  });
});
