import { usageError } from '../errors';
import type { PresetTunnel } from './schema';

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

export function parseLocalPorts(value: string, setting: string): LocalPorts {
  if ((LOCAL_PORTS as string[]).includes(value)) return value as LocalPorts;
  throw usageError('ERR_CONFIG', `invalid ${setting}: must be one of ${LOCAL_PORTS.join(', ')}, got "${value}"`);
}
