import { readFileSync } from 'node:fs';

/**
 * The lines of a system file such as /etc/hosts or /etc/resolv.conf, or none when it cannot be
 * read: a missing file there means "no entries", not an error.
 */
export function readLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    return [];
  }
}
