import type { LocalPorts } from '../presets/local-ports';
import { findPreset, loadPresetCatalog } from '../presets/load';
import { renderPreset, renderPresetList } from '../presets/render';
import type { CommandIo } from './io';

/** `ptunnel presets` lists; `ptunnel presets show NAME` shows one, as its flags ask. */
export type PresetsInput =
  | { action: 'list'; presetsDir: string | null }
  | { action: 'show'; name: string; presetsDir: string | null; localPorts: LocalPorts; address: string };

export async function runPresets(input: PresetsInput, io: CommandIo): Promise<number> {
  const catalog = loadPresetCatalog(input.presetsDir);
  if (input.action === 'list') {
    io.stdout(renderPresetList([...catalog.presets.values()].sort((a, b) => a.name.localeCompare(b.name))));
    return 0;
  }
  io.stdout(renderPreset(findPreset(catalog, input.name), input.localPorts, input.address));
  return 0;
}
