import { formatHostPort } from '../net/address';
import { describeTunnel } from './tunnel-spec';
import type { RuntimeConfig } from './load';
import { describeProxy } from './proxy-spec';
import { redactProxyText } from '../log/redact';

const MASK = '***';

/** The effective configuration for `--print-config`: every secret masked. */
export function printableConfig(config: RuntimeConfig): Record<string, unknown> {
  const { raw } = config;
  return {
    proxy: config.proxy
      ? {
          url: describeProxy(config.proxy.endpoint),
          source: config.proxy.source,
          user: config.proxy.endpoint.username ?? null,
          password: config.proxy.authorization || config.proxy.credentials?.password !== undefined ? MASK : null,
          passwordFile: raw.proxy.passwordFile,
          auth: config.proxy.auth ?? 'auto',
          domain: config.proxy.credentials?.domain || null,
          ntHash: config.proxy.credentials?.ntHash ? MASK : null,
          ntHashFile: raw.proxy.ntHashFile,
          spn: config.proxy.spn ?? null,
          ca: raw.proxy.ca,
        }
      : raw.proxy.url
        ? { url: redactProxyText(raw.proxy.url), ignored: `mode ${raw.mode}` }
        : null,
    mode: config.mode,
    noProxy: config.noProxy.entries,
    listen: config.listen,
    connectTimeout: raw.connectTimeout,
    idleTimeout: raw.idleTimeout,
    halfCloseTimeout: raw.halfCloseTimeout,
    halfCloseLinger: raw.halfCloseLinger,
    log: { level: config.log.level, format: config.log.format },
    dns: {
      servers: config.dns.servers.map((s) => s.label),
      timeout: raw.dns.timeout,
      retries: config.dns.retries,
      cache: config.dns.cache,
      allow: config.dns.allow,
    },
    admin: config.admin ? formatHostPort(config.admin.host, config.admin.port) : null,
    adminHost: config.admin?.names ?? [],
    shutdownTimeout: raw.shutdownTimeout,
    maxConnections: raw.maxConnections,
    maxConnectionsPerTunnel: raw.maxConnectionsPerTunnel,
    presets: raw.presets,
    presetsDir: raw.presetsDir,
    localPorts: raw.localPorts,
    tunnels: config.tunnels.map((t) => describeTunnel(t, config.listen)),
  };
}
