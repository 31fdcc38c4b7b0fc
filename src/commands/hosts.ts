import { applyBlock, blockText, detectEol, removeBlock } from '../hosts/block';
import { readHostsFile, writeHostsFile } from '../hosts/file';
import { findPreset, loadPresetCatalog } from '../presets/load';
import { hostsLines } from '../presets/render';
import { usageError } from '../errors';
import type { CommandIo } from './io';

/**
 * What `ptunnel hosts` is to do with the blocks of `names` in `file`: print them, write them, or
 * take them out (which needs only the names: a block may outlive its preset).
 */
export type HostsInput =
  | { action: 'remove'; names: string[]; file: string }
  | { action: 'print' | 'apply'; names: string[]; file: string; address: string; presetsDir: string | null };

export async function runHosts(input: HostsInput, io: CommandIo): Promise<number> {
  const { names, file } = input;
  const where = `hosts file ${file}`;

  if (input.action === 'remove') {
    const before = readHostsFile(file);
    const after = names.reduce((text, n) => removeBlock(text, n, where), before);
    return finish(io, file, before, after, `removed the ptunnel block for ${names.join(', ')}`, `no ptunnel block for ${names.join(', ')}`);
  }

  const catalog = loadPresetCatalog(input.presetsDir);
  const blocks = names.map((n) => {
    const preset = findPreset(catalog, n);
    const lines = hostsLines(preset, input.address);
    if (lines.length === 0) {
      throw usageError('ERR_USAGE', `hosts: preset ${n} needs no hosts-file lines (SSH checks host keys, not names); see "ptunnel presets show ${n}"`);
    }
    return { name: preset.name, lines };
  });

  if (input.action === 'print') {
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
