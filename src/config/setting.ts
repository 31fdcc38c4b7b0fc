import { ErrorCode, inContext, usageError } from '../errors';
import { SettingKey, settings } from './schema';

const SETTINGS = new Map(settings());

export function isSettingKey(key: string): key is SettingKey {
  return SETTINGS.has(key);
}

/** "mode (--mode, PTUNNEL_MODE)": how a user can find and set a setting. */
export function settingName(key: SettingKey): string {
  const s = SETTINGS.get(key);
  const where = [s?.arg ? `--${s.arg}` : undefined, s?.env].filter(Boolean).join(', ');
  return where ? `${key} (${where})` : key;
}

/*
 * Parsers below config say what is wrong with a value and nothing about where it came from; these
 * are the one place that puts the setting's name in front, once.
 */
const invalid = (source: string) => `invalid ${source}`;

/** Runs `parse` on a setting's value; what it throws becomes "invalid <setting>: ...". */
export function inSetting<T>(key: SettingKey, parse: () => T): T {
  return inContext(invalid(settingName(key)), parse, 'ERR_CONFIG');
}

/** As inSetting, for a value that may come from outside the schema (HTTPS_PROXY); keeps the parser's code. */
export function inSource<T>(source: string, parse: () => T, code?: ErrorCode): T {
  return inContext(invalid(source), parse, code);
}

/** Refuses a setting's value for a problem found outside a parser (convict's own checks). */
export function refuseSetting(key: SettingKey, problem: string, cause?: unknown): never {
  return inSetting<never>(key, () => {
    throw usageError('ERR_CONFIG', problem, cause);
  });
}
