import { extname } from 'node:path';
import convict from 'convict';
import type { DnsSettings } from '../dns/settings';
import { PtunnelError, usageError } from '../errors';
import type { Level } from '../log/logger';
import { readNamedFile } from '../util/files';
import { parseYaml } from '../util/yaml';
import { AdminAddress, parseAdminAddress } from './admin';
import { resolveDnsSettings } from './dns';
import type { LogFormat, Mode } from './formats';
import type { NoProxy } from './no-proxy';
import { PacSettings, ProxyCredentials, ProxySettings, resolveNoProxy, resolvePac, resolveProxies, SystemProxySettings, withSystemProxy } from './proxy';
import { RawSettings, schema } from './schema';
import { defaultMaxConnections, descriptorLimit } from './limits';
import { inSetting, isSettingKey, refuseSetting } from './setting';
import { durationMs, timeouts } from './timeouts';
import { resolveSocks, SocksSettings } from './socks';
import { DestinationRules, parseDestRules } from './dest-policy';
import { HttpProxySettings, resolveHttpProxy } from './http-proxy';
import { configuredTunnels } from './tunnels';
import type { TunnelSpec } from './tunnel-spec';
import { noProxyWarnings, unknownEnvWarnings } from './warnings';
import { ipFamily } from '../util/ip';

export type { Mode, PacSettings, ProxyCredentials, ProxySettings, RawSettings };
export type LogLevel = Level;

export interface RuntimeConfig {
  tunnels: TunnelSpec[];
  listen: string;
  /** The mode asked for; `direct` when no proxy is known. */
  mode: Mode;
  /** The first of `proxies`, for code that knows of one proxy only. */
  proxy?: ProxySettings;
  /** Proxies in order of preference; empty without a proxy. */
  proxies: ProxySettings[];
  /** Proxy auto-config (--pac); its answer per target comes before `proxies`. */
  pac?: PacSettings;
  noProxy: NoProxy;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  halfCloseTimeoutMs: number;
  /** How long a client's FIN waits for a quiet upstream on proxy routes; 0: not at all. */
  halfCloseLingerMs: number;
  /** ptunnel's own resolver for direct connections (issue 3). */
  dns: DnsSettings;
  log: { level: LogLevel; format: LogFormat };
  /** The SOCKS listener (--socks); undefined: off. */
  socks?: SocksSettings;
  /** --allow-dest and --deny-dest: where the local proxy listeners may connect their clients. */
  destinations: DestinationRules;
  /** The HTTP proxy listener (--http-proxy); undefined: off. */
  httpProxy?: HttpProxySettings;
  /** Where the admin HTTP server listens; undefined: off. */
  admin?: AdminAddress;
  shutdownTimeoutMs: number;
  limits: { maxConnections: number; maxConnectionsPerTunnel: number };
  /** Warm tunnels per mapping (0: off) and how long each may wait for a client. */
  prewarm: { count: number; maxAgeMs: number };
  /** The validated settings as given, for --print-config. */
  raw: RawSettings;
  /** What was given but ignored (unknown PTUNNEL_* variables, NO_PROXY entries that match nothing), one line each, for the start-up log. */
  warnings: string[];
}

export interface LoadOptions {
  /** Settings from flags, keyed by dotted setting name; they win over everything. */
  flags?: Record<string, unknown>;
  configFile?: string;
  env?: NodeJS.ProcessEnv;
  /** Reads the operating system's proxy settings, for `--proxy system`. */
  systemProxy?: () => SystemProxySettings;
}

function readConfigFile(file: string): Record<string, unknown> {
  const text = readNamedFile(file, 'config file', 'ERR_CONFIG').toString('utf8');
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
function rethrowConvictError(err: unknown, file?: string): never {
  const first = String((err as Error).message ?? err).split('\n')[0] ?? '';
  const undeclared = /configuration param '([^']+)' not declared/.exec(first);
  if (undeclared) {
    throw usageError(
      'ERR_CONFIG',
      `unknown setting "${undeclared[1]}"${file ? ` in config file ${file}` : ''}; see "ptunnel --help" for the settings`,
      err,
    );
  }
  const m = /^([\w.]+): (.*?)(?:: value was (.*))?$/.exec(first);
  const key = m?.[1];
  if (!m || key === undefined || !isSettingKey(key)) throw usageError('ERR_CONFIG', `invalid configuration: ${first}`, err);
  const [, , problem, value] = m;
  const message = (problem as string).replace(/^must be one of the possible values: /, 'must be one of ').trim();
  // Our own formats already quote the value they refuse.
  const got = value && !message.includes(value) ? `, got ${value}` : '';
  return refuseSetting(key, `${message}${got}`, err);
}

/** Defaults < config file < environment < flags, checked against the schema. */
function layeredSettings(options: LoadOptions, env: NodeJS.ProcessEnv): RawSettings {
  try {
    const cfg = convict<RawSettings>(schema, { env, args: [] });
    if (options.configFile) cfg.load(readConfigFile(options.configFile));
    for (const [key, value] of Object.entries(options.flags ?? {})) {
      if (value !== undefined) cfg.set(key as never, value as never);
    }
    cfg.validate({ allowed: 'strict' });
    return cfg.getProperties();
  } catch (err) {
    if (err instanceof PtunnelError) throw err;
    return rethrowConvictError(err, options.configFile);
  }
}

function listenAddress(text: string): string {
  return inSetting('listen', () => {
    const listen = text.trim();
    if (!ipFamily(listen) && listen !== 'localhost') {
      throw usageError('ERR_CONFIG', `"${listen}" is not an IP address (e.g. 127.0.0.1, 0.0.0.0 or ::1)`);
    }
    return listen;
  });
}

/** Layers defaults < config file < environment < flags, validates, and resolves the result. */
export function loadConfig(options: LoadOptions = {}): RuntimeConfig {
  const env = options.env ?? process.env;
  const raw = layeredSettings(options, env);
  const listen = listenAddress(raw.listen);
  const system = withSystemProxy(raw, options.systemProxy);
  const routing = system.raw;
  const proxies = system.from === undefined ? resolveProxies(routing, env, raw.mode) : resolveProxies(routing, env, raw.mode, system.from);
  const proxy = proxies[0];
  const pac = resolvePac(routing, raw.mode);
  if (raw.mode === 'proxy' && !proxy && !pac) {
    throw usageError('ERR_CONFIG', 'mode "proxy" needs a proxy; give --proxy or --pac, or set HTTPS_PROXY');
  }
  const noProxy = resolveNoProxy(routing, env);
  const config: RuntimeConfig = {
    tunnels: configuredTunnels(raw, listen),
    listen,
    mode: proxy || pac ? raw.mode : 'direct',
    proxies,
    noProxy,
    ...timeouts(raw),
    dns: resolveDnsSettings(raw.dns),
    log: { level: raw.log.level, format: raw.log.format },
    limits: { maxConnections: raw.maxConnections ?? defaultMaxConnections(descriptorLimit()), maxConnectionsPerTunnel: raw.maxConnectionsPerTunnel },
    prewarm: { count: raw.prewarm, maxAgeMs: durationMs('prewarmMaxAge', raw.prewarmMaxAge, true) },
    destinations: { allow: inSetting('allowDest', () => parseDestRules(raw.allowDest)), deny: inSetting('denyDest', () => parseDestRules(raw.denyDest)) },
    raw,
    warnings: [...unknownEnvWarnings(env), ...noProxyWarnings(noProxy)],
  };
  if (raw.admin !== null && raw.admin.trim() !== '') config.admin = parseAdminAddress(raw.admin.trim(), raw.adminHost);
  const socks = resolveSocks(raw);
  if (socks) config.socks = socks;
  const httpProxy = resolveHttpProxy(raw);
  if (httpProxy) config.httpProxy = httpProxy;
  if (proxy) config.proxy = proxy;
  if (pac) config.pac = pac;
  return config;
}
