import { isIP } from 'node:net';
import { inSetting } from '../config/setting';
import { usageError } from '../errors';
import { LocalPorts, parseLocalPorts } from '../presets/local-ports';
import { findPreset, loadPresetCatalog } from '../presets/load';
import { renderPreset, renderPresetList } from '../presets/render';
import { CommandIo, parseCommandArgs } from './args';

const HELP = `Usage: ptunnel presets [--presets-dir DIR]
       ptunnel presets show NAME [--local-ports preset|same] [--address IP] [--presets-dir DIR]

Lists the presets, or shows one: its tunnels, the hosts-file lines, the mail-client settings
as Thunderbird names them, a Kubernetes hostAliases snippet and docker -p flags.

  --presets-dir DIR   Your own presets (NAME.yaml); they override built-ins of the same name
                      (env PTUNNEL_PRESETS_DIR).
  --local-ports MODE  preset: the preset's own ports (default); same: the remote ports.
  --address IP        Where the hosts file and hostAliases point the names [default: 127.0.0.1].
`;

export async function runPresets(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      'presets-dir': { type: 'string' },
      'local-ports': { type: 'string' },
      address: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'presets',
  );
  if (values.help === true) {
    io.stdout(HELP);
    return 0;
  }
  const dir = (values['presets-dir'] as string | undefined) ?? io.env.PTUNNEL_PRESETS_DIR ?? null;
  const [action, name, ...extra] = positionals;
  if (action === undefined || action === 'list') {
    if (name !== undefined) throw usageError('ERR_USAGE', `presets: unexpected argument "${name}"; see "ptunnel presets --help"`);
    const catalog = loadPresetCatalog(dir);
    io.stdout(renderPresetList([...catalog.presets.values()].sort((a, b) => a.name.localeCompare(b.name))));
    return 0;
  }
  if (action !== 'show') throw usageError('ERR_USAGE', `presets: unknown action "${action}"; use "ptunnel presets" or "ptunnel presets show NAME"`);
  if (name === undefined) throw usageError('ERR_USAGE', 'presets show: which preset? e.g. "ptunnel presets show gmail"');
  if (extra.length > 0) throw usageError('ERR_USAGE', `presets show: unexpected argument "${extra[0]}"; show one preset at a time`);
  const mode: LocalPorts = inSetting('localPorts', () =>
    parseLocalPorts((values['local-ports'] as string | undefined) ?? io.env.PTUNNEL_LOCAL_PORTS ?? 'preset'),
  );
  const address = (values.address as string | undefined) ?? '127.0.0.1';
  if (!isIP(address)) throw usageError('ERR_USAGE', `presets show: --address "${address}" is not an IP address`);
  io.stdout(renderPreset(findPreset(loadPresetCatalog(dir), name), mode, address));
  return 0;
}
