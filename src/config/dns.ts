import { LoopGuard } from '../dns/loop-guard';
import { parseDnsServers } from '../dns/servers';
import type { DnsSettings } from '../dns/settings';
import type { RawSettings } from './schema';
import { inSetting } from './setting';
import { durationMs } from './timeouts';

/** The dns block of RuntimeConfig, parsed and checked before anything starts. */
export function resolveDnsSettings(raw: RawSettings['dns']): DnsSettings {
  const servers = inSetting('dns.servers', () => parseDnsServers(raw.servers));
  const timeoutMs = durationMs('dns.timeout', raw.timeout, true);
  // Built only to check the list now; the resolver builds its own from `allow`.
  inSetting('dns.allow', () => new LoopGuard(raw.allow));
  return { servers, timeoutMs, retries: raw.retries, cache: raw.cache, allow: [...raw.allow] };
}
