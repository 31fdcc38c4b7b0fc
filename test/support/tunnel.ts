import { loadConfig, LoadOptions } from '../../src/config/load';
import { TEST_ENV } from './cli';
import { createLogger, Logger } from '../../src/log/logger';
import { ConnectionRecord } from '../../src/tunnel/connection';
import { AddressLookup } from '../../src/dns/lookup';
import { TunnelService } from '../../src/tunnel/service';

export interface RunningTunnel {
  service: TunnelService;
  /** Local port of the n-th tunnel. */
  port(index?: number): number;
  records: ConnectionRecord[];
  logs: string[];
  /** Resolves when `count` connections have ended. */
  ended(count: number): Promise<ConnectionRecord[]>;
  close(): Promise<void>;
}

export interface StartTunnelOptions extends LoadOptions {
  lookup?: AddressLookup;
  proxyBackoff?: { minMs: number; maxMs: number };
  prewarmBackoff?: { minMs: number; maxMs: number };
}

/** Starts ptunnel's engine in-process with an isolated environment (no inherited proxy vars). */
export async function startTunnel(options: StartTunnelOptions): Promise<RunningTunnel> {
  const config = loadConfig({ env: { ...TEST_ENV }, ...options });
  const logs: string[] = [];
  const logger: Logger = createLogger({ level: 'debug', format: 'json', write: (l) => logs.push(l) });
  const records: ConnectionRecord[] = [];
  const waiters: Array<{ count: number; resolve: (r: ConnectionRecord[]) => void }> = [];
  const service = new TunnelService({
    config,
    logger,
    ...(options.lookup ? { lookup: options.lookup } : {}),
    ...(options.proxyBackoff ? { proxyBackoff: options.proxyBackoff } : {}),
    ...(options.prewarmBackoff ? { prewarmBackoff: options.prewarmBackoff } : {}),
    onConnectionEnd: (r) => {
      records.push(r);
      for (const w of waiters.filter((w) => records.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(records.slice());
      }
    },
  });
  await service.start();
  return {
    service,
    port: (index = 0) => service.snapshot().tunnels[index]?.port ?? 0,
    records,
    logs,
    ended: (count) =>
      records.length >= count ? Promise.resolve(records.slice()) : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => service.close(true),
  };
}
