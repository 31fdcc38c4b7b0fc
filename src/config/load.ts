import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { extname } from 'node:path';
import convict from 'convict';
import { DnsSettings, resolveDnsSettings } from '../dns/settings';
import { PtunnelError, usageError } from '../errors';
import { isPortText, parseHostPort } from '../net/address';
import { configuredTunnels } from './tunnels';
import { parseDuration } from '../util/duration';
import { parseYaml } from '../util/yaml';
import { NoProxy } from './no-proxy';
import { ProxyEndpoint, parseProxySpec } from './proxy-spec';
import { RawSettings, schema, settings } from './schema';
import type { TunnelSpec } from './tunnel-spec';

export type Mode = 'auto' | 'proxy' | 'direct';
export type LogLevel = 'error' | 'warn' | 'info' | 'debug' | 'trace';

export interface ProxySettings {
  endpoint: ProxyEndpoint;
  /** Value of the Proxy-Authorization header, when credentials are configured. */
  authorization?: string;
  /** CA bundle for an https:// proxy. */
  ca?: Buffer;
  /** Where the proxy setting came from, for the start-up log. */
  source: string;
}

export interface RuntimeConfig {
  tunnels: TunnelSpec[];
  listen: string;
  /** The mode asked for; `direct` when no proxy is known. */
  mode: Mode;
  proxy?: ProxySettings;
  noProxy: NoProxy;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  halfCloseTimeoutMs: number;
  /** ptunnel's own resolver for direct connections (issue 3). */
  dns: DnsSettings;
  log: { level: LogLevel; format: 'auto' | 'text' | 'json' };
  /** Where the admin HTTP server listens; undefined: off. */
  admin?: { host: string; port: number };
  shutdownTimeoutMs: number;
  limits: { maxConnections: number; maxConnectionsPerTunnel: number };
  /** The validated settings as given, for --print-config. */
  raw: RawSettings;
}

export type { RawSettings };

export interface LoadOptions {
  /** Settings from flags, keyed by dotted setting name; they win over everything. */
  flags?: Record<string, unknown>;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
}

const SETTINGS = new Map(settings());

/** "mode (--mode, PTUNNEL_MODE)": how a user can find and set a setting. */
export function settingName(key: string): string {
  const s = SETTINGS.get(key);
  const where = [s?.arg ? `--${s.arg}` : undefined, s?.env].filter(Boolean).join(', ');
  return where ? `${key} (${where})` : key;
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw usageError('ERR_CONFIG', `cannot read config file ${file}: ${(err as Error).message}`, err);
  }
  let data: unknown;
  try {
    data = extname(file).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    const detail = (err as Error).message.split('\n')[0];
    throw usageError('ERR_CONFIG', `config file ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${detail}`, err);
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw usageError('ERR_CONFIG', `config file ${file} must hold a mapping of settings (e.g. "mode: auto"), not a ${Array.isArray(data) ? 'list' : typeof data}`);
  }
  return data as Record<string, unknown>;
}

/** Turns convict's multi-line report into one line that names the setting and how to set it. */
function convictError(err: unknown, file?: string): PtunnelError {
  const first = String((err as Error).message ?? err).split('\n')[0] ?? '';
  const undeclared = /configuration param '([^']+)' not declared/.exec(first);
  if (undeclared) {
    return usageError(
      'ERR_CONFIG',
      `unknown setting "${undeclared[1]}"${file ? ` in config file ${file}` : ''}; see "ptunnel --help" for the settings`,
      err,
    );
  }
  const m = /^([\w.]+): (.*?)(?:: value was (.*))?$/.exec(first);
  if (!m) return usageError('ERR_CONFIG', `invalid configuration: ${first}`, err);
  const [, key, problem, value] = m;
  const message = (problem as string).replace(/^must be one of the possible values: /, 'must be one of ').trim();
  return usageError(
    'ERR_CONFIG',
    `invalid ${settingName(key as string)}: ${message}${value ? `, got ${value}` : ''}`,
    err,
  );
}

function firstEnv(env: NodeJS.ProcessEnv, names: string[]): [string, string] | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') return [name, value];
  }
  return undefined;
}

function readSecretFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw usageError('ERR_CONFIG', `cannot read ${what} ${file}: ${(err as Error).message}`, err);
  }
}

function resolveProxy(raw: RawSettings, env: NodeJS.ProcessEnv, mode: Mode): ProxySettings | undefined {
  let spec: string;
  let source: string;
  if (raw.proxy.url !== null && raw.proxy.url.trim() !== '') {
    spec = raw.proxy.url;
    source = settingName('proxy.url');
  } else {
    // Lower case first, as curl does: it is the form most tools agree on.
    const found = firstEnv(env, ['https_proxy', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']);
    if (!found) return undefined;
    [source, spec] = found;
  }
  if (mode === 'direct') return undefined;
  let endpoint: ProxyEndpoint;
  try {
    endpoint = parseProxySpec(spec);
  } catch (err) {
    throw usageError('ERR_PROXY_SPEC', `${(err as Error).message} (from ${source})`, err);
  }
  // An empty value means "not set", as for HTTPS_PROXY: compose files and charts pass variables
  // through empty when the user gave none.
  const given = (v: string | null) => (v === null || v === '' ? undefined : v);
  const user = given(raw.proxy.user) ?? endpoint.username;
  let password = given(raw.proxy.password);
  const passwordFile = given(raw.proxy.passwordFile);
  if (password === undefined && passwordFile !== undefined) {
    password = readSecretFile(passwordFile, 'proxy password file');
  }
  password ??= endpoint.password;
  const settings: ProxySettings = { endpoint: { protocol: endpoint.protocol, host: endpoint.host, port: endpoint.port }, source };
  if (user !== undefined) {
    if (user.includes(':')) {
      throw usageError('ERR_CONFIG', `proxy user must not contain ":" (Basic authentication cannot carry it); check ${settingName('proxy.user')}`);
    }
    settings.endpoint.username = user;
    settings.authorization = `Basic ${Buffer.from(`${user}:${password ?? ''}`, 'utf8').toString('base64')}`;
  } else if (password !== undefined) {
    throw usageError('ERR_CONFIG', `a proxy password is set but no user; give ${settingName('proxy.user')} or put user:password in the proxy URL`);
  }
  const ca = given(raw.proxy.ca);
  if (ca !== undefined) {
    if (endpoint.protocol !== 'https') {
      throw usageError('ERR_CONFIG', `--proxy-ca is only used with an https:// proxy, but the proxy is ${endpoint.protocol}://`);
    }
    try {
      settings.ca = readFileSync(ca);
    } catch (err) {
      throw usageError('ERR_CONFIG', `cannot read proxy CA file ${ca}: ${(err as Error).message}`, err);
    }
  }
  return settings;
}

/** `HOST:PORT`, `[IPv6]:PORT` or a bare `PORT` (loopback). */
export function parseAdminAddress(text: string): { host: string; port: number } {
  const hp = parseHostPort(text.includes(':') ? text : `127.0.0.1:${text}`);
  const port = Number(hp?.port);
  if (!hp || !isPortText(hp.port) || !isIP(hp.host) || port > 65535) {
    throw usageError('ERR_CONFIG', `invalid ${settingName('admin')}: "${text}" is not ADDR:PORT, e.g. 127.0.0.1:9090 or 0.0.0.0:9090`);
  }
  return { host: hp.host, port };
}

/** Layers defaults < config file < environment < flags, validates, and resolves the result. */
export function loadConfig(options: LoadOptions = {}): RuntimeConfig {
  const env = options.env ?? process.env;
  let cfg: convict.Config<RawSettings>;
  try {
    cfg = convict<RawSettings>(schema as unknown as convict.Schema<RawSettings>, { env, args: [] });
    if (options.configFile) cfg.load(readConfigFile(options.configFile));
    for (const [key, value] of Object.entries(options.flags ?? {})) {
      if (value !== undefined) cfg.set(key as never, value as never);
    }
    cfg.validate({ allowed: 'strict' });
  } catch (err) {
    if (err instanceof PtunnelError) throw err;
    throw convictError(err, options.configFile);
  }
  const raw = cfg.getProperties();
  const durations = (key: 'connectTimeout' | 'idleTimeout' | 'halfCloseTimeout' | 'shutdownTimeout') => {
    try {
      return parseDuration(raw[key], key);
    } catch (err) {
      throw usageError('ERR_CONFIG', `invalid ${settingName(key)}: ${(err as Error).message}`, err);
    }
  };
  const listen = raw.listen.trim();
  if (!isIP(listen) && listen !== 'localhost') {
    throw usageError('ERR_CONFIG', `invalid ${settingName('listen')}: "${listen}" is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or ::1)`);
  }
  const mode = raw.mode as Mode;
  const proxy = resolveProxy(raw, env, mode);
  if (mode === 'proxy' && !proxy) {
    throw usageError('ERR_CONFIG', 'mode "proxy" needs a proxy; give --proxy or set HTTPS_PROXY');
  }
  const noProxyText = raw.noProxy ?? firstEnv(env, ['no_proxy', 'NO_PROXY'])?.[1];
  const config: RuntimeConfig = {
    tunnels: configuredTunnels(raw, listen),
    listen,
    mode: proxy ? mode : 'direct',
    noProxy: new NoProxy(noProxyText),
    connectTimeoutMs: durations('connectTimeout'),
    idleTimeoutMs: durations('idleTimeout'),
    halfCloseTimeoutMs: durations('halfCloseTimeout'),
    dns: resolveDnsSettings(raw.dns, settingName),
    log: { level: raw.log.level as LogLevel, format: raw.log.format as RuntimeConfig['log']['format'] },
    shutdownTimeoutMs: durations('shutdownTimeout'),
    limits: { maxConnections: raw.maxConnections, maxConnectionsPerTunnel: raw.maxConnectionsPerTunnel },
    raw,
  };
  if (raw.admin !== null && raw.admin.trim() !== '') config.admin = parseAdminAddress(raw.admin.trim());
  if (config.connectTimeoutMs === 0) {
    throw usageError('ERR_CONFIG', `invalid ${settingName('connectTimeout')}: must be more than 0`);
  }
  if (proxy) config.proxy = proxy;
  return config;
}
