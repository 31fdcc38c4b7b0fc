import type { Run, SystemProxy } from './types';

/**
 * `scutil --proxy`: ProxyAutoConfigEnable with ProxyAutoConfigURLString (a PAC) wins, then
 * ProxyAutoDiscoveryEnable (WPAD), then HTTPSEnable/HTTPSProxy/HTTPSPort, else the HTTP ones;
 * ExceptionsList's entries bypass.
 */
export function macosProxy(output: string): SystemProxy {
  const get = (key: string) => new RegExp(`^\\s*${key} : (.*?)\\s*$`, 'm').exec(output)?.[1];
  const exceptions = /ExceptionsList : <array> \{([^}]*)\}/.exec(output)?.[1] ?? '';
  const noProxy = [...exceptions.matchAll(/^\s*\d+ : (.*?)\s*$/gm)].map((m) => (m[1] as string).replace(/^\*\./, '.'));
  if (get('ProxyAutoConfigEnable') === '1' && get('ProxyAutoConfigURLString')) {
    return { from: 'macos', proxies: [], pac: get('ProxyAutoConfigURLString') as string, noProxy };
  }
  if (get('ProxyAutoDiscoveryEnable') === '1') return { from: 'macos', proxies: [], pac: 'wpad', noProxy };
  for (const kind of ['HTTPS', 'HTTP']) {
    if (get(`${kind}Enable`) === '1' && get(`${kind}Proxy`)) return { from: 'macos', proxies: [`${get(`${kind}Proxy`)}:${get(`${kind}Port`) ?? '80'}`], noProxy };
  }
  return { from: 'macos', proxies: [], noProxy: [] };
}

export function readMacos(run: Run): SystemProxy {
  return macosProxy(run('scutil', ['--proxy']));
}
