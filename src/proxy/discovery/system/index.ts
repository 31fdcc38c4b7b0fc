import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { envProxy } from './env';
import { readGnome } from './gnome';
import { kdeProxyFromKioslaverc } from './kde';
import { readMacos } from './macos';
import type { Run, SystemProxy } from './types';
import { readWindows } from './windows';

export type { SystemProxy } from './types';

const run: Run = (command, args) => execFileSync(command, args, { encoding: 'utf8', timeout: 3000, stdio: ['ignore', 'pipe', 'ignore'] });

/**
 * The operating system's proxy settings (`--proxy system`): Windows' Internet Settings, macOS'
 * scutil, on Linux KDE's kioslaverc under a KDE session, else GNOME's gsettings; the environment
 * when the desktop says nothing (no proxy, or its tool is missing).
 */
export function readSystemProxy(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, exec: Run = run): SystemProxy {
  const said = (s: SystemProxy | undefined) => (s && (s.proxies.length > 0 || s.pac !== undefined) ? s : undefined);
  const attempt = (read: () => SystemProxy | undefined) => {
    try {
      return said(read());
    } catch {
      return undefined;
    }
  };
  let found: SystemProxy | undefined;
  if (platform === 'win32') found = attempt(() => readWindows(exec));
  else if (platform === 'darwin') found = attempt(() => readMacos(exec));
  else if (/kde/i.test(env.XDG_CURRENT_DESKTOP ?? '')) {
    const file = join(env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), '.config'), 'kioslaverc');
    found = attempt(() => kdeProxyFromKioslaverc(readFileSync(file, 'utf8'), env));
  } else found = attempt(() => readGnome(exec));
  return found ?? envProxy(env);
}
