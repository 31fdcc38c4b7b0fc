import { usageError } from '../errors';
import { readNamedFile } from '../util/files';
import { readCaFile } from './ca';
import { NoProxy } from './no-proxy';
import { ProxyEndpoint, parseProxySpec } from './proxy-spec';
import type { RawSettings } from './schema';
import type { Mode, ProxyAuthMode } from './formats';
import { parseNtHash } from './nt-hash';
import { inSource, settingName } from './setting';
import { durationMs } from './timeouts';
import { ipFamily } from '../util/ip';

/**
 * Who ptunnel logs in as. Kept under one key whose name the logger redacts: the password and the
 * NT hash must never reach a log line, /status or --print-config.
 */
export interface ProxyCredentials {
  /** The name as given (DOMAIN\\user, user@REALM or user): what Basic sends and messages show. */
  user: string;
  /** The name without its domain, for NTLM. */
  account: string;
  /** The NTLM domain: from the name, else --proxy-domain, else empty. */
  domain: string;
  password?: string;
  /** From --proxy-nt-hash-file: NTLM without the password stored anywhere. */
  ntHash?: Buffer;
}

export interface ProxySettings {
  endpoint: ProxyEndpoint;
  /** Which scheme to authenticate with; auto (also when absent) picks from the proxy's 407. */
  auth?: ProxyAuthMode;
  credentials?: ProxyCredentials;
  /** The Kerberos service for Negotiate, when not HTTP@<endpoint host>. */
  spn?: string;
  /** Value of a Basic Proxy-Authorization header, when a user (and password) are configured. */
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
export function withSystemProxy(raw: RawSettings, read: (() => SystemProxySettings) | undefined): { raw: RawSettings; from?: string } {
  if (raw.proxy.url?.trim().toLowerCase() !== 'system') return { raw };
  if (read === undefined) throw usageError('ERR_CONFIG', `proxy "system" cannot be read here; give the proxy itself with ${settingName('proxy.url')}`);
  const sys = read();
  return {
    raw: {
      ...raw,
      proxy: { ...raw.proxy, url: sys.proxies.length > 0 ? sys.proxies.join(',') : null },
      pac: raw.pac ?? sys.pac ?? null,
      noProxy: raw.noProxy ?? (sys.noProxy.length > 0 ? sys.noProxy.join(',') : null),
    },
    from: `the system settings (${sys.from}, --proxy system)`,
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
 * The proxies to use, in order of preference, from proxy.url (`urlSource` names where that came
 * from, for messages) or else the usual environment variables; none in mode direct. User, password and CA apply to each proxy of the list (a URL's own
 * credentials win for that proxy).
 */
export function resolveProxies(raw: RawSettings, env: NodeJS.ProcessEnv, mode: Mode, urlSource = settingName('proxy.url')): ProxySettings[] {
  let text: string;
  let source: string;
  if (raw.proxy.url !== null && raw.proxy.url.trim() !== '') {
    text = raw.proxy.url;
    source = urlSource;
  } else {
    // Lower case first, as curl does: it is the form most tools agree on.
    const found = firstEnv(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);
    if (!found) return [];
    [source, text] = found;
  }
  if (mode === 'direct') return [];
  const endpoints = proxySpecs(text).map((spec) => inSource(source, () => parseProxySpec(spec)));
  const ca = given(raw.proxy.ca);
  // A PAC file may name https:// proxies that the list does not.
  if (ca !== undefined && !endpoints.some((e) => e.protocol === 'https') && given(raw.pac) === undefined) {
    const protocols = [...new Set(endpoints.map((e) => `${e.protocol}://`))].join(', ');
    throw usageError('ERR_CONFIG', `--proxy-ca is only used with an https:// proxy, but the proxy is ${protocols}`);
  }
  const login = configuredLogin(raw);
  const caBytes = ca === undefined ? undefined : readCaFile(ca);
  return endpoints.map((endpoint) => {
    const settings = credentials(endpoint, login, source);
    if (caBytes !== undefined && endpoint.protocol === 'https') settings.ca = caBytes;
    return settings;
  });
}

/** What every proxy of the list and every proxy a PAC names log in with, read once. */
interface ConfiguredLogin {
  user?: string;
  password?: string;
  ntHash?: Buffer;
  domain?: string;
  auth?: ProxyAuthMode;
  spn?: string;
}

function configuredLogin(raw: RawSettings): ConfiguredLogin {
  const login: ConfiguredLogin = {};
  const user = given(raw.proxy.user);
  const password = configuredPassword(raw);
  const ntHashFile = given(raw.proxy.ntHashFile);
  const domain = given(raw.proxy.domain);
  const spn = given(raw.proxy.spn);
  if (user !== undefined) login.user = user;
  if (password !== undefined) login.password = password;
  if (ntHashFile !== undefined) login.ntHash = parseNtHash(readNamedFile(ntHashFile, 'NT hash file', 'ERR_CONFIG').toString('utf8'));
  if (domain !== undefined) login.domain = domain;
  if (raw.proxy.auth !== undefined) login.auth = raw.proxy.auth;
  if (spn !== undefined) login.spn = spn;
  return login;
}

/** One proxy's settings: the configured login, else the user and password of the proxy's URL. */
function credentials(endpoint: ProxyEndpoint, login: ConfiguredLogin, source: string): ProxySettings {
  const user = login.user ?? endpoint.username;
  const password = login.password ?? endpoint.password;
  const { ntHash } = login;
  const settings: ProxySettings = { endpoint: { protocol: endpoint.protocol, host: endpoint.host, port: endpoint.port }, source };
  if (login.auth !== undefined) settings.auth = login.auth;
  if (ntHash !== undefined && password !== undefined) {
    throw usageError('ERR_CONFIG', `both a proxy password and ${settingName('proxy.ntHashFile')} are set; give one of them`);
  }
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
    settings.credentials = { user, ...splitUser(user, login.domain), ...(password !== undefined ? { password } : {}), ...(ntHash ? { ntHash } : {}) };
    if (ntHash === undefined) settings.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`, 'utf8').toString('base64')}`;
  } else if (password !== undefined || ntHash !== undefined) {
    throw usageError('ERR_CONFIG', `a proxy ${password !== undefined ? 'password' : 'NT hash file'} is set but no user; give ${settingName('proxy.user')} or put user:password in the proxy URL`);
  }
  checkAuthMode(settings, login.spn);
  return settings;
}

/** DOMAIN\\user and user@REALM carry their NTLM domain; a bare name takes --proxy-domain. */
function splitUser(user: string, domain: string | undefined): { account: string; domain: string } {
  const slash = user.indexOf('\\');
  if (slash > 0) return { domain: user.slice(0, slash), account: user.slice(slash + 1) };
  const at = user.lastIndexOf('@');
  if (at > 0) return { account: user.slice(0, at), domain: user.slice(at + 1) };
  return { account: user, domain: domain ?? '' };
}

/** A scheme asked for explicitly must be usable with what is configured: say so at start-up. */
function checkAuthMode(settings: ProxySettings, spn: string | undefined): void {
  const { auth, credentials } = settings;
  if (spn !== undefined) settings.spn = spn;
  const flag = settingName('proxy.auth');
  if (auth === 'ntlm' && credentials === undefined) {
    throw usageError('ERR_CONFIG', `${flag} ntlm needs ${settingName('proxy.user')} and a password (${settingName('proxy.passwordFile')}) or ${settingName('proxy.ntHashFile')}`);
  }
  if (auth === 'basic' && credentials?.ntHash !== undefined) {
    throw usageError('ERR_CONFIG', `${flag} basic sends the password itself, which an NT hash cannot replace; give ${settingName('proxy.passwordFile')} instead of ${settingName('proxy.ntHashFile')}`);
  }
  if (auth === 'negotiate' && spn === undefined && ipFamily(settings.endpoint.host) !== 0) {
    throw usageError('ERR_CONFIG', `${flag} negotiate needs the proxy by host name, not by IP address ${settings.endpoint.host}: Kerberos tickets name a host; give the proxy's name or ${settingName('proxy.spn')}`);
  }
}

/** Where the PAC file comes from, how often it is fetched again, and what its proxies use. */
export interface PacSettings {
  /** An http(s) URL, a file path, or `wpad` (discovery). */
  location: string;
  refreshMs: number;
  /** Turns a proxy the PAC file named into settings: the configured login, auth mode and CA. */
  proxy(endpoint: ProxyEndpoint): ProxySettings;
}

/** The PAC settings, or undefined without --pac (and in mode direct, which uses no proxy). */
export function resolvePac(raw: RawSettings, mode: Mode): PacSettings | undefined {
  const location = raw.pac?.trim();
  if (location === undefined || location === '' || mode === 'direct') return undefined;
  const refreshMs = durationMs('pacRefresh', raw.pacRefresh, true);
  const login = configuredLogin(raw);
  const ca = given(raw.proxy.ca);
  const caBytes = ca === undefined ? undefined : readCaFile(ca);
  const source = `PAC ${location}`;
  // A PAC names proxies by host:port only, so what fails for one fails for all (ntlm without a
  // user, basic with an NT hash): say so at start-up, not at each connection. A host name stands
  // in for them; only Negotiate's IP-address check depends on the host, and it waits for the PAC.
  credentials({ protocol: 'http', host: 'pac-proxy', port: 1 }, login, source);
  return {
    location,
    refreshMs,
    proxy: (endpoint) => {
      const settings = credentials(endpoint, login, source);
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
