import { usageError } from '../errors';
import type { PresetTunnel } from './schema';

/**
 * preset: each preset's own local ports, chosen so that presets never collide.
 * same: the remote ports themselves (993, 587, 465), for containers and pods whose clients keep
 * their default ports; below 1024 that needs privilege.
 */
export const LOCAL_PORTS = ['preset', 'same'] as const;
export type LocalPorts = (typeof LOCAL_PORTS)[number];

export function localPortOf(t: PresetTunnel, mode: LocalPorts): number {
  return mode === 'same' ? t.port : t.local;
}

function isLocalPorts(value: string): value is LocalPorts {
  return (LOCAL_PORTS as readonly string[]).includes(value);
}

export function parseLocalPorts(value: string): LocalPorts {
  if (isLocalPorts(value)) return value;
  throw usageError('ERR_CONFIG', `must be one of ${LOCAL_PORTS.join(', ')}, got "${value}"`);
}
