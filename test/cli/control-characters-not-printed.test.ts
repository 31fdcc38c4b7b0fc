import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main';
import { captureIo } from '../support/cli';

// Any C0 or C1 control other than the newlines ptunnel writes between its own lines.
// eslint-disable-next-line no-control-regex -- what the test looks for
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/;

describe('text from preset files and the environment reaches the terminal without control characters', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-hostile-preset-'));
  // YAML double quotes turn \x1b, \a and \r into the raw bytes.
  writeFileSync(
    join(dir, 'evil.yaml'),
    [
      'name: evil',
      'description: "red \\x1b[31mRED\\x1b[0m, title \\x1b]0;pwned\\a, and\\rOVERWRITTEN \\x9b2J"',
      'tunnels:',
      '  - { local: 20993, host: mail.corp.example, port: 993 }',
      'notes:',
      '  - "note \\x1b[2J\\x1b[Hcleared"',
      '  - "line one\\nline two\\rback"',
      '',
    ].join('\n'),
  );

  it('ptunnel presets', async () => {
    const { io, out } = captureIo({ PTUNNEL_PRESETS_DIR: dir });
    expect(await main(['presets'], io)).toBe(0);
    expect(out.stdout).toContain('evil');
    expect(out.stdout).not.toMatch(RAW_CONTROL);
    expect(out.stdout).toContain('red \\x1b[31mRED');
  });

  it('ptunnel presets show NAME', async () => {
    const { io, out } = captureIo({ PTUNNEL_PRESETS_DIR: dir });
    expect(await main(['presets', 'show', 'evil'], io)).toBe(0);
    expect(out.stdout).not.toMatch(RAW_CONTROL);
    expect(out.stdout).toContain('title \\x1b]0;pwned\\x07');
    // A newline inside a note must not start a line of its own.
    expect(out.stdout).toMatch(/^ {2}- line one\\x0aline two\\x0dback$/m);
  });

  it('an unknown preset name with an escape in it, from the command line and from the environment', async () => {
    const a = captureIo({ PTUNNEL_PRESETS_DIR: dir });
    expect(await main(['presets', 'show', 'x\x1b[31my\nz'], a.io)).toBe(2);
    expect(a.out.stderr).toMatch(/unknown preset/);
    expect(a.out.stderr.trimEnd()).not.toMatch(RAW_CONTROL);
    expect(a.out.stderr.trimEnd()).not.toContain('\n');

    const b = captureIo({ PTUNNEL_PRESETS_DIR: dir, PTUNNEL_PRESET: 'x\x1b]0;t\x07', PTUNNEL_DNS: '127.0.0.1:1' });
    expect(await main(['--print-config'], b.io)).toBe(2);
    expect(b.out.stderr).toMatch(/unknown preset/);
    expect(b.out.stderr.trimEnd()).not.toMatch(RAW_CONTROL);
  });
});
