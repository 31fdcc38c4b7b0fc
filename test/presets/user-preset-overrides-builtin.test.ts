import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { loadPresetCatalog } from '../../src/presets/load';

describe('--presets-dir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-presets-'));
  writeFileSync(
    join(dir, 'gmail.yaml'),
    'name: gmail\ndescription: my own gmail\ntunnels:\n  - { local: 20993, host: imap.gmail.com, port: 993 }\n',
  );
  writeFileSync(
    join(dir, 'work.yml'),
    'name: work\ndescription: the office server\ntunnels:\n  - { local: 21993, host: mail.corp.example, port: 993 }\n',
  );
  writeFileSync(join(dir, 'README.md'), 'not a preset\n');

  it('replaces a built-in of the same name and adds new ones', () => {
    const { presets } = loadPresetCatalog(dir);
    expect(presets.get('gmail')?.description).toBe('my own gmail');
    expect(presets.get('gmail')?.file).toBe(join(dir, 'gmail.yaml'));
    expect(presets.get('work')?.tunnels).toEqual([{ local: 21993, host: 'mail.corp.example', port: 993 }]);
    expect(presets.get('outlook')).toBeDefined();
  });

  it('is read from the flag or PTUNNEL_PRESETS_DIR', () => {
    const fromFlag = loadConfig({ env: {}, flags: { presets: ['gmail', 'work'], presetsDir: dir } });
    expect(fromFlag.tunnels.map((t) => `${t.localPort}:${t.host}:${t.port}`)).toEqual(['20993:imap.gmail.com:993', '21993:mail.corp.example:993']);
    const fromEnv = loadConfig({ env: { PTUNNEL_PRESET: 'work', PTUNNEL_PRESETS_DIR: dir } });
    expect(fromEnv.tunnels.map((t) => t.source)).toEqual(['preset work']);
  });
});
