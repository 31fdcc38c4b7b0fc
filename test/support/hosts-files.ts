import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/cli/main';

/** A hosts file in a folder of its own (the backup and temporary files go next to it). */
export function hostsFile(content: string | Buffer, name = 'hosts'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-hosts-'));
  chmodSync(dir, 0o755);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Runs `ptunnel hosts ...` in-process; errors come back as the exception main() would print. */
export async function hosts(...argv: string[]): Promise<{ code: number; stdout: string; error?: Error }> {
  let stdout = '';
  const io = { stdout: (t: string) => void (stdout += t), stderr: () => undefined, env: {} };
  try {
    return { code: await dispatch(['hosts', ...argv], io), stdout };
  } catch (err) {
    return { code: -1, stdout, error: err as Error };
  }
}
