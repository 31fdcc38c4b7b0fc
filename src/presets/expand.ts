import { checkLocalPortCollisions } from '../config/collisions';
import type { RawSettings } from '../config/schema';
import { parseTunnelSpec, TunnelSpec } from '../config/tunnel-spec';
import { usageError } from '../errors';
import { findPreset, loadPresetCatalog, PresetCatalog } from './load';
import type { Preset, PresetTunnel } from './schema';

/**
 * preset: each preset's own local ports, chosen so that presets never collide.
 * same: the remote ports themselves (993, 587, 465), for containers and pods whose clients keep
 * their default ports; below 1024 that needs privilege.
 */
export type LocalPorts = 'preset' | 'same';
export const LOCAL_PORTS: LocalPorts[] = ['preset', 'same'];

export function localPortOf(t: PresetTunnel, mode: LocalPorts): number {
  return mode === 'same' ? t.port : t.local;
}

export function presetTunnelSpecs(preset: Preset, mode: LocalPorts): TunnelSpec[] {
  return preset.tunnels.map((t) => ({ localPort: localPortOf(t, mode), host: t.host, port: t.port, source: `preset ${preset.name}` }));
}

/** The named presets, in order, each once; `catalog` is loaded only when there are names. */
export function resolvePresets(names: string[], presetsDir: string | null, load: () => PresetCatalog = () => loadPresetCatalog(presetsDir)): Preset[] {
  const wanted = [...new Set(names.map((n) => n.trim().toLowerCase()).filter((n) => n !== ''))];
  if (wanted.length === 0) return [];
  const catalog = load();
  return wanted.map((n) => findPreset(catalog, n));
}

export function parseLocalPorts(value: string, setting: string): LocalPorts {
  if ((LOCAL_PORTS as string[]).includes(value)) return value as LocalPorts;
  throw usageError('ERR_CONFIG', `invalid ${setting}: must be one of ${LOCAL_PORTS.join(', ')}, got "${value}"`);
}

/**
 * The tunnels to run: the presets' (in the order named, `source` "preset NAME") then the explicit
 * mappings, refused before anything binds when two want the same local port.
 */
export function configuredTunnels(raw: Pick<RawSettings, 'tunnels' | 'presets' | 'presetsDir' | 'localPorts'>, listen: string): TunnelSpec[] {
  const mode = parseLocalPorts(raw.localPorts, 'localPorts (--local-ports, PTUNNEL_LOCAL_PORTS)');
  const fromPresets = resolvePresets(raw.presets, raw.presetsDir).flatMap((p) => presetTunnelSpecs(p, mode));
  const all = [...fromPresets, ...raw.tunnels.map((t) => parseTunnelSpec(t))];
  checkLocalPortCollisions(all, listen);
  return all;
}
