import { usageError } from '../errors';
import { parseDuration } from '../util/duration';
import type { RawSettings, SettingKey } from './schema';
import { inSetting } from './setting';

/** A duration setting in ms; `positive` refuses 0 where it cannot mean "off". */
export function durationMs(key: SettingKey, text: string, positive = false): number {
  return inSetting(key, () => {
    const ms = parseDuration(text);
    if (positive && ms === 0) throw usageError('ERR_CONFIG', 'must be more than 0');
    return ms;
  });
}

/** The connection and shutdown timeouts of RuntimeConfig. */
export function timeouts(raw: RawSettings) {
  return {
    connectTimeoutMs: durationMs('connectTimeout', raw.connectTimeout, true),
    idleTimeoutMs: durationMs('idleTimeout', raw.idleTimeout),
    halfCloseTimeoutMs: durationMs('halfCloseTimeout', raw.halfCloseTimeout),
    halfCloseLingerMs: durationMs('halfCloseLinger', raw.halfCloseLinger),
    shutdownTimeoutMs: durationMs('shutdownTimeout', raw.shutdownTimeout),
  };
}
