import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { builtinPresetsDir, loadPresetCatalog, loadPresetFile } from '../../src/presets/load';

const BUILT_IN = ['fastmail', 'github-ssh', 'gitlab-ssh', 'gmail', 'icloud', 'office365', 'outlook', 'yahoo', 'zoho'];

describe('built-in presets', () => {
  const dir = builtinPresetsDir();

  it('lives in presets/ at the package root', () => {
    expect(dir).toBe(join(__dirname, '..', '..', 'presets'));
  });

  it.each(readdirSync(dir).filter((f) => f.endsWith('.yaml')))('%s validates against the schema', (file) => {
    const preset = loadPresetFile(join(dir, file));
    expect(preset.name).toBe(file.replace(/\.yaml$/, ''));
    expect(preset.description.length).toBeGreaterThan(0);
    expect(preset.tunnels.length).toBeGreaterThan(0);
    expect(preset.client.length).toBeGreaterThan(0);
  });

  it('are exactly the nine of the issue', () => {
    expect([...loadPresetCatalog().presets.keys()].sort()).toEqual(BUILT_IN);
  });

  it('keep the original tool ports for gmail and the documented hosts for the others', () => {
    const { presets } = loadPresetCatalog();
    const map = (name: string) => presets.get(name)?.tunnels.map((t) => `${t.local}:${t.host}:${t.port}`);
    expect(map('gmail')).toEqual(['9993:imap.gmail.com:993', '5587:smtp.gmail.com:587', '4465:smtp.gmail.com:465']);
    expect(map('outlook')).toEqual(['10993:outlook.office365.com:993', '10587:smtp-mail.outlook.com:587']);
    expect(map('office365')).toEqual(['11993:outlook.office365.com:993', '11587:smtp.office365.com:587']);
    expect(map('yahoo')).toEqual(['12993:imap.mail.yahoo.com:993', '12465:smtp.mail.yahoo.com:465', '12587:smtp.mail.yahoo.com:587']);
    expect(map('icloud')).toEqual(['13993:imap.mail.me.com:993', '13587:smtp.mail.me.com:587']);
    expect(map('fastmail')).toEqual(['14993:imap.fastmail.com:993', '14465:smtp.fastmail.com:465', '14587:smtp.fastmail.com:587']);
    expect(map('zoho')).toEqual(['15993:imap.zoho.com:993', '15465:smtp.zoho.com:465', '15587:smtp.zoho.com:587']);
    expect(map('github-ssh')).toEqual(['18443:ssh.github.com:443']);
    expect(map('gitlab-ssh')).toEqual(['19443:altssh.gitlab.com:443']);
  });

  it('never share a local port, so all of them run together', () => {
    const config = loadConfig({ env: {}, flags: { presets: BUILT_IN } });
    const ports = config.tunnels.map((t) => t.localPort);
    expect(new Set(ports).size).toBe(ports.length);
    expect(ports.length).toBe(20);
  });
});
