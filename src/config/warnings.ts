import type { NoProxy } from './no-proxy';
import { settings } from './schema';

const KNOWN_ENV = settings()
  .map(([, s]) => s.env)
  .filter((e): e is string => e !== undefined);

/** Levenshtein distance, for "did you mean": names are short, so the plain table will do. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/** The known name nearest to `name`, when it is near enough to be a typo of it. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/**
 * PTUNNEL_* variables that name no setting: a typo (PTUNNEL_MAX_CONECTIONS) would otherwise leave
 * the setting at its default without a word. The names come from outside; the JSON quoting keeps
 * a control character in one from reaching the log raw.
 */
export function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((name) => name.startsWith('PTUNNEL_') && !KNOWN_ENV.includes(name))
    .sort()
    .map((name) => {
      const near = closestName(name, KNOWN_ENV);
      return `ignoring environment variable ${JSON.stringify(name)}: no setting reads it${near ? `; did you mean ${near}?` : ' (see "ptunnel --help")'}`;
    });
}

/** NO_PROXY entries that can match nothing, each named with why. */
export function noProxyWarnings(noProxy: NoProxy): string[] {
  return noProxy.invalid.map(({ entry, reason }) => `ignoring ${noProxy.source} entry ${JSON.stringify(entry)}: ${reason}`);
}
