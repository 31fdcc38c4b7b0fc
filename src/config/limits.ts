import { readFileSync } from 'node:fs';

/**
 * Descriptors kept back from tunnels for what else ptunnel opens: the admin server and its
 * clients, DNS sockets, the listeners themselves and Node's own (epoll, pipes, stdio).
 */
export const DESCRIPTOR_RESERVE = 64;

/** Where the soft limit cannot be read (not Linux): macOS's default soft limit. */
const FALLBACK_SOFT_LIMIT = 256;

/**
 * The soft RLIMIT_NOFILE from /proc/self/limits; undefined when it is unlimited, and the
 * fallback where that file does not exist. Windows has no such limit: undefined.
 */
export function descriptorLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    if (process.platform === 'win32') return undefined;
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return FALLBACK_SOFT_LIMIT;
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === undefined) return FALLBACK_SOFT_LIMIT;
  if (soft === 'unlimited') return undefined;
  const n = Number(soft);
  return Number.isSafeInteger(n) && n > 0 ? n : FALLBACK_SOFT_LIMIT;
}

/**
 * The --max-connections used when none is given: each tunnelled connection holds two
 * descriptors (client and upstream), so (soft limit - reserve) / 2, at least 1; 0 (no limit)
 * when there is no descriptor limit. Past it a connection is refused with a log line and a count,
 * rather than closed without a word by the kernel's EMFILE, and /readyz keeps its descriptors.
 */
export function defaultMaxConnections(softLimit: number | undefined): number {
  if (softLimit === undefined) return 0;
  return Math.max(1, Math.floor((softLimit - DESCRIPTOR_RESERVE) / 2));
}
