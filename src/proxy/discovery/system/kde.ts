import type { SystemProxy } from './types';

/** The [Proxy Settings] group of a kioslaverc text, key -> value. */
function proxyGroup(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let inGroup = false;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) inGroup = line === '[Proxy Settings]';
    else if (inGroup) {
      const eq = line.indexOf('=');
      if (eq > 0) values.set(line.slice(0, eq).replace(/\[\$[a-z]+\]$/, '').trim(), line.slice(eq + 1).trim());
    }
  }
  return values;
}

/** KDE's "host port" or URL form as HOST:PORT or URL. */
function kdeProxy(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  const spaced = /^(\S+)\s+(\d+)$/.exec(value);
  return spaced ? `${(spaced[1] as string).replace(/^https?:\/\//, '')}:${spaced[2]}` : value;
}

/**
 * KDE's ~/.config/kioslaverc: ProxyType 0 none, 1 manual (httpsProxy, else httpProxy), 2 a PAC
 * URL (Proxy Config Script), 3 WPAD, 4 the environment (read by the env reader instead).
 */
export function kdeProxyFromKioslaverc(text: string, env: NodeJS.ProcessEnv): SystemProxy | undefined {
  const g = proxyGroup(text);
  const type = g.get('ProxyType') ?? '0';
  const noProxy = (g.get('NoProxyFor') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (type === '1') {
    const proxy = kdeProxy(g.get('httpsProxy')) ?? kdeProxy(g.get('httpProxy'));
    return { from: 'kde', proxies: proxy ? [proxy] : [], noProxy };
  }
  if (type === '2') return { from: 'kde', proxies: [], pac: g.get('Proxy Config Script') ?? '', noProxy };
  if (type === '3') return { from: 'kde', proxies: [], pac: 'wpad', noProxy };
  if (type === '4') {
    // The names of the variables to read, not their values.
    const proxy = kdeProxy(env[g.get('httpsProxy') ?? 'HTTPS_PROXY'] ?? env[g.get('httpProxy') ?? 'HTTP_PROXY']);
    return { from: 'kde', proxies: proxy ? [proxy] : [], noProxy: (env[g.get('NoProxyFor') ?? 'NO_PROXY'] ?? '').split(',').filter(Boolean) };
  }
  return { from: 'kde', proxies: [], noProxy: [] };
}
