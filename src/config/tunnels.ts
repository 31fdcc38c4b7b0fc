import type { PresetCatalog } from '../presets/load';
import { localPortOf, LocalPorts } from '../presets/local-ports';
import type { Preset } from '../presets/schema';
import { checkLocalPortCollisions } from './collisions';
import type { RawSettings } from './schema';
import { parseTunnelSpec, TunnelSpec } from './tunnel-spec';

export function presetTunnelSpecs(preset: Preset, mode: LocalPorts): TunnelSpec[] {
  return preset.tunnels.map((t) => ({ localPort: localPortOf(t, mode), host: t.host, port: t.port, source: `preset ${preset.name}` }));
}

/** The preset files' reader and YAML, required when a preset is named: a run of mappings alone loads neither (start-up time). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const presetFiles = () => require('../presets/load') as typeof import('../presets/load');

/** The named presets, in order, each once; `catalog` is loaded only when there are names. */
export function resolvePresets(names: string[], presetsDir: string | null, load: () => PresetCatalog = () => presetFiles().loadPresetCatalog(presetsDir)): Preset[] {
  const wanted = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))];
  if (wanted.length === 0) return [];
  const catalog = load();
  const { findPreset } = presetFiles();
  return wanted.map((n) => findPreset(catalog, n));
}

/**
 * The tunnels to run: the presets' (in the order named, `source` "preset NAME") then the explicit
 * mappings, refused before anything binds when two want the same local port.
 */
export function configuredTunnels(raw: Pick<RawSettings, 'tunnels' | 'presets' | 'presetsDir' | 'localPorts'>, listen: string): TunnelSpec[] {
  const fromPresets = resolvePresets(raw.presets, raw.presetsDir).flatMap((p) => presetTunnelSpecs(p, raw.localPorts));
  const all = [...fromPresets, ...raw.tunnels.map((t) => parseTunnelSpec(t))];
  checkLocalPortCollisions(all, listen);
  return all;
}
