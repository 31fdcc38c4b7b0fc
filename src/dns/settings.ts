import type { DnsServerSpec } from './servers';

/** ptunnel's own resolver for direct connections, as the config hands it over: parsed and checked. */
export interface DnsSettings {
  servers: DnsServerSpec[];
  timeoutMs: number;
  retries: number;
  cache: boolean;
  allow: string[];
}
