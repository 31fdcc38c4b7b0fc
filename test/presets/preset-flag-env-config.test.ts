import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromArgs } from '../../src/cli/runtime';
import { parseCommandLine } from '../../src/cli/args';
import { loadConfig } from '../../src/config/load';

const io = (env: NodeJS.ProcessEnv = {}) => ({ stdout: () => undefined, stderr: () => undefined, env });
const mapped = (tunnels: Array<{ localPort: number; host: string; port: number; source: string }>) =>
  tunnels.map((t) => `${t.localPort}:${t.host}:${t.port} (${t.source})`);

describe('choosing presets', () => {
  it('--preset is repeatable, takes comma lists and combines with explicit mappings', () => {
    const args = parseCommandLine(['--preset', 'gmail', '--preset', 'icloud,github-ssh', '2525:smtp.example.com:25']);
    expect(args.flags.presets).toEqual(['gmail', 'icloud', 'github-ssh']);
    const config = configFromArgs(args, io(), args.positionals);
    expect(mapped(config.tunnels)).toEqual([
      '9993:imap.gmail.com:993 (preset gmail)',
      '5587:smtp.gmail.com:587 (preset gmail)',
      '4465:smtp.gmail.com:465 (preset gmail)',
      '13993:imap.mail.me.com:993 (preset icloud)',
      '13587:smtp.mail.me.com:587 (preset icloud)',
      '18443:ssh.github.com:443 (preset github-ssh)',
      '2525:smtp.example.com:25 (2525:smtp.example.com:25)',
    ]);
  });

  it('PTUNNEL_PRESET takes a comma list', () => {
    const config = loadConfig({ env: { PTUNNEL_PRESET: 'outlook, gitlab-ssh' } });
    expect(config.tunnels.map((t) => t.source)).toEqual(['preset outlook', 'preset outlook', 'preset gitlab-ssh']);
  });

  it('the config file takes a "presets" list, and the flag wins over it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-config-')), 'c.yaml');
    writeFileSync(file, 'presets:\n  - yahoo\nlocalPorts: same\n');
    expect(loadConfig({ env: {}, configFile: file }).tunnels.map((t) => t.localPort)).toEqual([993, 465, 587]);
    expect(loadConfig({ env: {}, configFile: file, flags: { presets: ['zoho'] } }).tunnels.map((t) => t.host)).toEqual([
      'imap.zoho.com',
      'smtp.zoho.com',
      'smtp.zoho.com',
    ]);
  });

  it('naming a preset twice runs it once', () => {
    expect(loadConfig({ env: {}, flags: { presets: ['gmail', 'GMAIL'] } }).tunnels).toHaveLength(3);
  });

  it('--local-ports accepts preset or same only', () => {
    expect(() => loadConfig({ env: {}, flags: { presets: ['gmail'], localPorts: 'remote' } })).toThrow(
      /invalid localPorts \(--local-ports, PTUNNEL_LOCAL_PORTS\): must be one of .*preset.*same/,
    );
  });
});
