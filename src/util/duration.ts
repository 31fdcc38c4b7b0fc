import { usageError } from '../errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/**
 * Durations are always written with a unit (`500ms`, `10s`, `2m`, `1h`) so that nobody has to
 * guess whether `10` means seconds or milliseconds. `0` alone is allowed and means "off".
 */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === '0') return 0;
  const m = DURATION.exec(trimmed);
  if (!m) {
    throw usageError(
      'ERR_CONFIG',
      `"${text}" is not a duration; write a number with a unit, e.g. 500ms, 10s, 2m or 1h`,
    );
  }
  const ms = Math.round(Number(m[1]) * (UNITS[m[2] as string] as number));
  // Node's timers hold at most 2^31-1 ms (about 24.8 days) and fire at once beyond that.
  if (ms > MAX_TIMER_MS) {
    throw usageError('ERR_CONFIG', `"${text}" is too long; the longest duration is 576h (24 days)`);
  }
  return ms;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
