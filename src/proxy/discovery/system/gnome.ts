import type { Run, SystemProxy } from './types';

/** A GVariant string or number as gsettings prints it: 'text' or 8080. */
function scalar(text: string): string {
  const t = text.trim();
  const m = /^'((?:[^'\\]|\\.)*)'$/.exec(t);
  return m ? (m[1] as string).replace(/\\(.)/g, '$1') : t;
}

/** A GVariant string array: ['localhost', '127.0.0.0/8'] or @as []. */
function list(text: string): string[] {
  return [...text.matchAll(/'((?:[^'\\]|\\.)*)'/g)].map((m) => (m[1] as string).replace(/\\(.)/g, '$1'));
}

/**
 * GNOME's settings (org.gnome.system.proxy): mode none, manual (the https child, else the http
 * child) or auto (autoconfig-url, a PAC; empty means WPAD). `get(schema, key)` is what
 * `gsettings get SCHEMA KEY` prints.
 */
export function gnomeProxy(get: (schema: string, key: string) => string): SystemProxy {
  const base = 'org.gnome.system.proxy';
  const mode = scalar(get(base, 'mode'));
  const noProxy = list(get(base, 'ignore-hosts'));
  if (mode === 'auto') {
    const url = scalar(get(base, 'autoconfig-url'));
    return { from: 'gnome', proxies: [], pac: url === '' ? 'wpad' : url, noProxy };
  }
  if (mode !== 'manual') return { from: 'gnome', proxies: [], noProxy: [] };
  const proxies: string[] = [];
  for (const child of ['https', 'http']) {
    const host = scalar(get(`${base}.${child}`, 'host'));
    const port = Number(scalar(get(`${base}.${child}`, 'port')));
    if (host !== '' && port > 0) {
      proxies.push(`${host}:${port}`);
      break;
    }
  }
  return { from: 'gnome', proxies, noProxy };
}

/** GNOME's settings through the gsettings command. */
export function readGnome(run: Run): SystemProxy {
  return gnomeProxy((schema, key) => run('gsettings', ['get', schema, key]));
}
