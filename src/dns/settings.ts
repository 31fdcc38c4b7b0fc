import { PtunnelError, usageError } from '../errors';
import { parseDuration } from '../util/duration';
import { LoopGuard } from './loop-guard';
import { DnsServerSpec, parseDnsServers } from './servers';

/** The dns block of RuntimeConfig, parsed and checked. */
export interface DnsSettings {
  servers: DnsServerSpec[];
  timeoutMs: number;
  retries: number;
  cache: boolean;
  allow: string[];
}

export interface RawDnsSettings {
  servers: string[];
  timeout: string;
  retries: number;
  cache: boolean;
  allow: string[];
}

/** `name` turns a dotted key into "dns.servers (--dns, PTUNNEL_DNS)" for messages. */
export function resolveDnsSettings(raw: RawDnsSettings, name: (key: string) => string): DnsSettings {
  const wrap = <T>(key: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof PtunnelError) throw usageError('ERR_CONFIG', `invalid ${name(key)}: ${err.message}`, err);
      throw err;
    }
  };
  const servers = wrap('dns.servers', () => parseDnsServers(raw.servers));
  const timeoutMs = wrap('dns.timeout', () => parseDuration(raw.timeout, 'dns.timeout'));
  if (timeoutMs === 0) throw usageError('ERR_CONFIG', `invalid ${name('dns.timeout')}: must be more than 0`);
  wrap('dns.allow', () => new LoopGuard(raw.allow));
  return { servers, timeoutMs, retries: raw.retries, cache: raw.cache, allow: [...raw.allow] };
}
