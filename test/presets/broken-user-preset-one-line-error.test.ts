import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';

const GOOD_TUNNEL = 'tunnels:\n  - { local: 20993, host: imap.example.com, port: 993 }\n';

function presetDir(file: string, text: string): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-presets-'));
  const path = join(dir, file);
  writeFileSync(path, text);
  return { dir, path };
}

function loadError(dir: string): PtunnelError {
  try {
    loadConfig({ env: {}, flags: { presets: ['mine'], presetsDir: dir } });
  } catch (err) {
    return err as PtunnelError;
  }
  throw new Error('expected the preset to be rejected');
}

describe('a broken user preset', () => {
  it.each([
    ['not YAML', 'name: mine\ntunnels: [unclosed\n', /is not valid YAML/],
    ['a list at the top', '- 1\n', /\(top level\) must be a mapping, got a list/],
    ['no name', `description: d\n${GOOD_TUNNEL}`, /: name must be a non-empty string, got nothing/],
    ['a name unlike the file', `name: other\ndescription: d\n${GOOD_TUNNEL}`, /: name "other" must match the file name \(mine\)/],
    ['no description', `name: mine\n${GOOD_TUNNEL}`, /: description must be a non-empty string/],
    ['no tunnels', 'name: mine\ndescription: d\n', /: tunnels must be a list, got nothing/],
    ['an empty tunnel list', 'name: mine\ndescription: d\ntunnels: []\n', /: tunnels must not be empty/],
    ['a port out of range', 'name: mine\ndescription: d\ntunnels:\n  - { local: 70000, host: a.example, port: 1 }\n', /: tunnels\[0\]\.local is invalid: .*out of range/],
    ['a port as text', 'name: mine\ndescription: d\ntunnels:\n  - { local: 1, host: a.example, port: "imap" }\n', /: tunnels\[0\]\.port must be a port number \(1-65535\), got "imap"/],
    ['a bad host', 'name: mine\ndescription: d\ntunnels:\n  - { local: 1, host: "a b", port: 1 }\n', /: tunnels\[0\]\.host is invalid: .*illegal character " "/],
    ['a typo in a field', 'name: mine\ndescription: d\ntunnels:\n  - { locl: 1, host: a.example, port: 1 }\n', /: tunnels\[0\]\.locl is not a preset field/],
    ['an unknown top-level field', `name: mine\ndescription: d\n${GOOD_TUNNEL}colour: blue\n`, /: colour is not a preset field/],
    ['a repeated local port', 'name: mine\ndescription: d\ntunnels:\n  - { local: 1, host: a.example, port: 1 }\n  - { local: 1, host: b.example, port: 2 }\n', /: tunnels\[1\]\.local 1 is already used by tunnels\[0\]/],
    ['a wrong security', `name: mine\ndescription: d\n${GOOD_TUNNEL}client:\n  - { protocol: IMAP, server: imap.example.com, port: 993, security: TLS }\n`, /: client\[0\]\.security must be one of SSL\/TLS, STARTTLS, got "TLS"/],
    ['client settings without a tunnel', `name: mine\ndescription: d\n${GOOD_TUNNEL}client:\n  - { protocol: SMTP, server: smtp.example.com, port: 587, security: STARTTLS }\n`, /: client\[0\]\.server smtp\.example\.com:587 has no tunnel/],
  ])('%s: one line naming the file and the field', (_what, text, message) => {
    const { dir, path } = presetDir('mine.yaml', text);
    const err = loadError(dir);
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err.code).toBe('ERR_PRESET');
    expect(err.userError).toBe(true);
    expect(err.message).toContain(path);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('\n');
  });

  it('an unknown preset name lists the known ones', () => {
    expect(() => loadConfig({ env: {}, flags: { presets: ['gmial'] } })).toThrow(/unknown preset "gmial"; known presets: fastmail, .*gmail.*zoho/);
  });

  it('a presets directory that does not exist is one line naming it', () => {
    expect(() => loadConfig({ env: {}, flags: { presets: ['gmail'], presetsDir: '/nonexistent/presets' } })).toThrow(
      /cannot read presets directory \(--presets-dir, PTUNNEL_PRESETS_DIR\) \/nonexistent\/presets/,
    );
  });
});
