import { isIP } from 'node:net';
import { usageError } from '../errors';
import { applyBlock, blockText, detectEol, removeBlock } from '../hosts/block';
import { defaultHostsPath, readHostsFile, writeHostsFile } from '../hosts/file';
import { findPreset, loadPresetCatalog } from '../presets/load';
import { hostsLines } from '../presets/render';
import { PRESET_NAME } from '../presets/schema';
import { CommandIo, listValue, parseCommandArgs } from './args';

const HELP = `Usage: ptunnel hosts --preset NAME [--apply | --remove] [--file PATH] [--address IP]

Prints the hosts-file block that points a preset's server names at ptunnel, so that the mail
client keeps the real names and TLS checks the real certificates. --apply writes the block
(marked "# BEGIN ptunnel NAME" ... "# END ptunnel NAME"), --remove takes it out again; both keep
a copy of the previous file as PATH.ptunnel.bak and need the rights to write the file.

  --preset NAME       Repeatable, or a comma list (env PTUNNEL_PRESET).
  --file PATH         The hosts file [default: ${defaultHostsPath()}].
  --address IP        Where the names point [default: 127.0.0.1].
  --presets-dir DIR   Your own presets (env PTUNNEL_PRESETS_DIR).
`;

export async function runHosts(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    argv,
    {
      preset: { type: 'string', multiple: true },
      apply: { type: 'boolean' },
      remove: { type: 'boolean' },
      file: { type: 'string' },
      address: { type: 'string' },
      'presets-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    'hosts',
  );
  if (values.help === true) {
    io.stdout(HELP);
    return 0;
  }
  if (positionals.length > 0) throw usageError('ERR_USAGE', `hosts: unexpected argument "${positionals[0]}"; name presets with --preset NAME`);
  if (values.apply === true && values.remove === true) throw usageError('ERR_USAGE', 'hosts: give --apply or --remove, not both');
  const names = [...new Set(listValue(values.preset ?? io.env.PTUNNEL_PRESET).map((n) => n.toLowerCase()))];
  if (names.length === 0) throw usageError('ERR_USAGE', 'hosts: which preset? e.g. "ptunnel hosts --preset gmail"');
  const file = (values.file as string | undefined) ?? defaultHostsPath();
  const where = `hosts file ${file}`;

  if (values.remove === true) {
    // A block may outlive its preset (a deleted user preset), so removal needs only the name.
    const bad = names.find((n) => !PRESET_NAME.test(n));
    if (bad !== undefined) throw usageError('ERR_USAGE', `hosts: "${bad}" is not a preset name`);
    const before = readHostsFile(file);
    const after = names.reduce((text, n) => removeBlock(text, n, where), before);
    return finish(io, file, before, after, `removed the ptunnel block for ${names.join(', ')}`, `no ptunnel block for ${names.join(', ')}`);
  }

  const address = (values.address as string | undefined) ?? '127.0.0.1';
  if (!isIP(address)) throw usageError('ERR_USAGE', `hosts: --address "${address}" is not an IP address`);
  const catalog = loadPresetCatalog((values['presets-dir'] as string | undefined) ?? io.env.PTUNNEL_PRESETS_DIR ?? null);
  const blocks = names.map((n) => {
    const preset = findPreset(catalog, n);
    const lines = hostsLines(preset, address);
    if (lines.length === 0) {
      throw usageError('ERR_USAGE', `hosts: preset ${n} needs no hosts-file lines (SSH checks host keys, not names); see "ptunnel presets show ${n}"`);
    }
    return { name: preset.name, lines };
  });

  if (values.apply !== true) {
    const eol = process.platform === 'win32' ? '\r\n' : '\n';
    io.stdout(blocks.map((b) => blockText(b.name, b.lines, eol) + eol).join(''));
    return 0;
  }
  const before = readHostsFile(file);
  const fallback = detectEol(before, process.platform === 'win32' ? '\r\n' : '\n');
  const after = blocks.reduce((text, b) => applyBlock(text, b.name, b.lines, where, fallback), before);
  return finish(io, file, before, after, `wrote the ptunnel block for ${names.join(', ')}`, 'already up to date');
}

function finish(io: CommandIo, file: string, before: string, after: string, changed: string, unchanged: string): number {
  if (after === before) {
    io.stdout(`hosts file ${file}: ${unchanged}, nothing written\n`);
    return 0;
  }
  const { backup } = writeHostsFile(file, after, before);
  io.stdout(`hosts file ${file}: ${changed} (previous version in ${backup})\n`);
  return 0;
}
