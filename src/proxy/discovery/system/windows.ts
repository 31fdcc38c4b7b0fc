import type { Run, SystemProxy } from './types';

export const INTERNET_SETTINGS = 'HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings';

/** Name -> value of `reg query KEY` output ("    ProxyEnable    REG_DWORD    0x1"). */
function values(output: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of output.split(/\r?\n/)) {
    const m = /^\s+(\S+)\s+REG_\w+\s+(.*?)\s*$/.exec(line);
    if (m) found.set(m[1] as string, m[2] as string);
  }
  return found;
}

/**
 * Windows' Internet Settings: AutoConfigURL (a PAC) wins; else, with ProxyEnable 0x1,
 * ProxyServer, either one HOST:PORT for all or "http=a:1;https=b:2" (the https one, else http);
 * ProxyOverride's ";"-list, with <local> meaning names without a dot (not expressible in
 * NO_PROXY, so dropped).
 */
export function windowsProxy(output: string): SystemProxy {
  const v = values(output);
  const noProxy = (v.get('ProxyOverride') ?? '').split(';').map((s) => s.trim()).filter((s) => s !== '' && s !== '<local>').map((s) => s.replace(/^\*\./, '.'));
  const pac = v.get('AutoConfigURL');
  if (pac) return { from: 'windows', proxies: [], pac, noProxy };
  if (!/^0x0*1$/i.test(v.get('ProxyEnable') ?? '0x0')) return { from: 'windows', proxies: [], noProxy: [] };
  const server = v.get('ProxyServer') ?? '';
  let proxy: string | undefined = server;
  if (server.includes('=')) {
    const byScheme = new Map(server.split(';').map((p) => p.split('=').map((s) => s.trim()) as [string, string]));
    proxy = byScheme.get('https') ?? byScheme.get('http');
  }
  return { from: 'windows', proxies: proxy ? [proxy] : [], noProxy };
}

export function readWindows(run: Run): SystemProxy {
  return windowsProxy(run('reg', ['query', INTERNET_SETTINGS]));
}
