import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Path of a system tool, or undefined. */
export function findTool(name: string): string | undefined {
  for (const dir of SEARCH) if (existsSync(`${dir}/${name}`)) return `${dir}/${name}`;
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * A tool the suite needs. In CI (CI=true) a missing tool is a failure, never a skip; on a
 * developer's machine the caller may fall back to an embedded stand-in.
 */
export function requireTool(name: string, installHint: string): string | undefined {
  const found = findTool(name);
  if (!found && process.env.CI === 'true') {
    throw new Error(`${name} is not installed, and CI=true requires it (${installHint})`);
  }
  return found;
}
