import type { LocalPorts } from '../presets/local-ports';
import { findPreset, loadPresetCatalog } from '../presets/load';
import { renderPreset, renderPresetList } from '../presets/render';
import { renderPresetSocks } from '../presets/render-socks';
import type { CommandIo } from './io';

/**
 * `ptunnel presets` lists; `ptunnel presets show NAME` shows one, as its flags ask: with tunnels
 * and the hosts file, or (`--socks`) through the SOCKS listener.
 */
export type PresetsInput =
  | { action: 'list'; presetsDir: string | null }
  | { action: 'show'; name: string; presetsDir: string | null; localPorts: LocalPorts; address: string; socks?: boolean };

export async function runPresets(input: PresetsInput, io: CommandIo): Promise<number> {
  const catalog = loadPresetCatalog(input.presetsDir);
  if (input.action === 'list') {
    io.stdout(renderPresetList([...catalog.presets.values()].sort((a, b) => a.name.localeCompare(b.name))));
    return 0;
  }
  const preset = findPreset(catalog, input.name);
  io.stdout(input.socks ? renderPresetSocks(preset, input.address) : renderPreset(preset, input.localPorts, input.address));
  return 0;
}
