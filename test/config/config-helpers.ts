import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PtunnelError } from '../../src/errors';

const dir = mkdtempSync(join(tmpdir(), 'ptunnel-config-file-'));
let files = 0;

/** A JSON config file holding just `key: value`, nested as the dotted key says. */
export function settingFile(key: string, value: unknown): string {
  const data: Record<string, unknown> = {};
  const parts = key.split('.');
  let node = data;
  for (const part of parts.slice(0, -1)) node = (node[part] = {}) as Record<string, unknown>;
  node[parts[parts.length - 1] as string] = value;
  const file = join(dir, `${files++}.json`);
  writeFileSync(file, JSON.stringify(data));
  return file;
}

/** The usage error `load` throws, checked to be one; fails the test when it throws nothing. */
export function usageErrorOf(load: () => unknown, code = 'ERR_CONFIG'): PtunnelError {
  try {
    load();
  } catch (err) {
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err).toMatchObject({ code, userError: true });
    return err as PtunnelError;
  }
  throw new Error('expected a usage error');
}
