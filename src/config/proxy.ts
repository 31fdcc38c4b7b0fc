import { usageError } from '../errors';
import { readNamedFile } from '../util/files';
import { readCaFile } from './ca';
import { NoProxy } from './no-proxy';
import { ProxyEndpoint, parseProxySpec } from './proxy-spec';
import type { RawSettings } from './schema';
import type { Mode } from './formats';
import { inSource, settingName } from './setting';
import { durationMs } from './timeouts';

export interface ProxySettings {
  endpoint: ProxyEndpoint;
  /** Value of the Proxy-Authorization header, when credentials are configured. */
  authorization?: string;
  /** CA bundle for an https:// proxy. */
  ca?: Buffer;
  /** Where the proxy setting came from, for the start-up log. */
  source: string;
}

function firstEnv(env: NodeJS.ProcessEnv, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value];
  }
  return undefined;
}

/** The operating system's proxy settings, as a reader in proxy/discovery/system/ gives them. */
export interface SystemProxySettings {
  from: string;
  proxies: string[];
  pac?: string;
  noProxy: string[];
}

/**
 * `--proxy system`: the settings with the system's proxies, PAC URL and bypass list in place of
 * what was not given explicitly (an explicit --pac or --no-proxy wins).
 */
export function withSystemProxy(raw: RawSettings, read: (() => SystemProxySettings) | undefined): RawSettings {
  if (raw.proxy.url?.trim().toLowerCase() !== 'system') return raw;
  if (read === undefined) throw usageError('ERR_CONFIG', `proxy "system" cannot be read here; give the proxy itself with ${settingName('proxy.url')}`);
  const sys = read();
  return {
    ...raw,
    proxy: { ...raw.proxy, url: sys.proxies.length > 0 ? sys.proxies.join(',') : null },
    pac: raw.pac ?? sys.pac ?? null,
    noProxy: raw.noProxy ?? (sys.noProxy.length > 0 ? sys.noProxy.join(',') : null),
  };
}

/**
 * An empty value means "not set", as for HTTPS_PROXY: compose files and charts pass variables
 * through empty when the user gave none.
 */
const given = (v: string | null) => (v === null || v === '' ? undefined : v);

/** The proxy password: given, or read from the password file (a trailing newline dropped). */
function configuredPassword(raw: RawSettings): string | undefined {
  const password = given(raw.proxy.password);
  const passwordFile = given(raw.proxy.passwordFile);
  if (password !== undefined || passwordFile === undefined) return password;
  return readNamedFile(passwordFile, 'proxy password file', 'ERR_CONFIG').toString('utf8').replace(/\r?\n$/, '');
}

/** Proxy specs in a setting: one, or a comma (or space) list in order of preference. */
export function proxySpecs(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/**
 * The proxies to use, in order of preference, from proxy.url or else the usual environment
 * variables; none in mode direct. User, password and CA apply to each proxy of the list (a URL's own
 * credentials win for that proxy).
 */
export function resolveProxies(raw: RawSettings, env: NodeJS.ProcessEnv, mode: Mode): ProxySettings[] {
  let text: string;
  let source: string;
  if (raw.proxy.url !== null && raw.proxy.url.trim() !== '') {
    text = raw.proxy.url;
    source = settingName('proxy.url');
  } else {
    // Lower case first, as curl does: it is the form most tools agree on.
    const found = firstEnv(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);
    if (!found) return [];
    [source, text] = found;
  }
  if (mode === 'direct') return [];
  const endpoints = proxySpecs(text).map((spec) => inSource(source, () => parseProxySpec(spec)));
  const password = configuredPassword(raw);
  const ca = given(raw.proxy.ca);
  // A PAC file may name https:// proxies that the list does not.
  if (ca !== undefined && !endpoints.some((e) => e.protocol === 'https') && given(raw.pac) === undefined) {
    const protocols = [...new Set(endpoints.map((e) => `${e.protocol}://`))].join(', ');
    throw usageError('ERR_CONFIG', `--proxy-ca is only used with an https:// proxy, but the proxy is ${protocols}`);
  }
  const caBytes = ca === undefined ? undefined : readCaFile(ca);
  return endpoints.map((endpoint) => {
    const settings = credentials(endpoint, given(raw.proxy.user), password, source);
    if (caBytes !== undefined && endpoint.protocol === 'https') settings.ca = caBytes;
    return settings;
  });
}

function credentials(endpoint: ProxyEndpoint, configuredUser: string | undefined, configuredPassword: string | undefined, source: string): ProxySettings {
  const user = configuredUser ?? endpoint.username;
  const password = configuredPassword ?? endpoint.password;
  const settings: ProxySettings = { endpoint: { protocol: endpoint.protocol, host: endpoint.host, port: endpoint.port }, source };
  if (user !== undefined) {
    if (user.includes(':')) {
      throw usageError('ERR_CONFIG', `proxy user must not contain ":" (Basic authentication cannot carry it); check ${settingName('proxy.user')}`);
    }
    // It ends up in logs and in the 407 message: a newline there would forge a log line.
    // eslint-disable-next-line no-control-regex -- control characters are what it looks for
    const control = /[\u0000-\u001f\u007f]/.exec(user);
    if (control) {
      const c = control[0];
      const shown = ({ '\n': '\\n', '\r': '\\r', '\t': '\\t' } as Record<string, string>)[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      throw usageError('ERR_CONFIG', `proxy user must not contain control characters (found ${shown} at position ${control.index + 1}); check ${settingName('proxy.user')} or the proxy URL`);
    }
    settings.endpoint.username = user;
    settings.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`, 'utf8').toString('base64')}`;
  } else if (password !== undefined) {
    throw usageError('ERR_CONFIG', `a proxy password is set but no user; give ${settingName('proxy.user')} or put user:password in the proxy URL`);
  }
  return settings;
}

/** Where the PAC file comes from, how often it is fetched again, and what its proxies use. */
export interface PacSettings {
  /** An http(s) URL, a file path, or `wpad` (discovery). */
  location: string;
  refreshMs: number;
  /** Turns a proxy the PAC file named into settings: the configured user, password and CA. */
  proxy(endpoint: ProxyEndpoint): ProxySettings;
}

/** The PAC settings, or undefined without --pac (and in mode direct, which uses no proxy). */
export function resolvePac(raw: RawSettings, mode: Mode): PacSettings | undefined {
  const location = raw.pac?.trim();
  if (location === undefined || location === '' || mode === 'direct') return undefined;
  const refreshMs = durationMs('pacRefresh', raw.pacRefresh, true);
  const password = configuredPassword(raw);
  const ca = given(raw.proxy.ca);
  const caBytes = ca === undefined ? undefined : readCaFile(ca);
  const user = given(raw.proxy.user);
  const source = `PAC ${location}`;
  return {
    location,
    refreshMs,
    proxy: (endpoint) => {
      const settings = credentials(endpoint, user, password, source);
      if (caBytes !== undefined && endpoint.protocol === 'https') settings.ca = caBytes;
      return settings;
    },
  };
}

/** The first proxy of the list (see resolveProxies), for callers that know of one proxy only. */
export function resolveProxy(raw: RawSettings, env: NodeJS.ProcessEnv, mode: Mode): ProxySettings | undefined {
  return resolveProxies(raw, env, mode)[0];
}

/** Targets that go direct: noProxy, or else no_proxy / NO_PROXY. */
export function resolveNoProxy(raw: RawSettings, env: NodeJS.ProcessEnv): NoProxy {
  if (raw.noProxy !== null) return new NoProxy(raw.noProxy, settingName('noProxy'));
  const found = firstEnv(env, ['no_proxy', 'NO_PROXY']);
  return new NoProxy(found?.[1], found?.[0]);
}
