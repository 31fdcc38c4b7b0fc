import type { RuntimeConfig } from '../config/load';
import { startAdminServer } from '../admin/server';
import { Metrics } from '../admin/metrics';
import { PtunnelError, usageError } from '../errors';
import type { Logger } from '../log/logger';
import { TunnelService } from '../tunnel/service';

export interface RunDeps {
  config: RuntimeConfig;
  logger: Logger;
  version: string;
  /** Re-reads flags, env and the config file (SIGHUP); throws on invalid input. */
  reloadConfig: () => RuntimeConfig;
  /** Where signals come from; the process by default. */
  signals?: NodeJS.EventEmitter;
}

/**
 * The main job: bind the tunnels (and the admin server), then run until told to stop.
 * SIGTERM, SIGINT and POST /quitquitquit drain (stop accepting, wait for live connections up to
 * the shutdown timeout, cut the rest) and resolve 0; a second signal resolves at once. SIGHUP
 * reloads the configuration; an invalid one is logged and the running one stays.
 */
export async function runService(deps: RunDeps): Promise<number> {
  const { config, logger } = deps;
  const signals = deps.signals ?? process;
  if (config.tunnels.length === 0) {
    throw usageError(
      'ERR_USAGE',
      'no tunnels given; add --preset NAME (e.g. --preset gmail, list with "ptunnel presets") or LOCAL_PORT:HOST:PORT (e.g. 9993:imap.gmail.com:993), or see "ptunnel --help"',
    );
  }
  for (const warning of config.warnings) logger.warn(warning);
  // Only the admin server exposes metrics: without it, prom-client is never loaded (about 4 MiB
  // of RSS) and the engine reports to its no-op events.
  const metrics = config.admin ? new Metrics(deps.version) : undefined;
  let current = config;
  // Set once the service runs: in mode proxy a refused login ends ptunnel (see below).
  let authFailed: (err: Error) => void = () => undefined;
  const service = new TunnelService({
    config,
    logger,
    ...(metrics ? { events: metrics } : {}),
    onConnectionEnd: (record) => {
      if (record.outcome === 'ERR_PROXY_AUTH' && record.error && current.mode === 'proxy') authFailed(record.error);
    },
  });
  let quit: (reason: string) => void = () => undefined;
  const admin = metrics && config.admin
    ? await startAdminServer(
        config.admin.host,
        config.admin.port,
        { snapshot: () => service.snapshot(), quit: () => quit('POST /quitquitquit') },
        metrics,
        logger,
      )
    : undefined;
  try {
    await service.start();
  } catch (err) {
    await admin?.close();
    throw err;
  }

  return new Promise<number>((resolve, reject) => {
    let stopping = false;
    // Mode proxy never goes direct, so with credentials the proxy refuses (or a handshake it
    // cannot finish) every connection would fail alike: stop with the reason rather than limp on.
    authFailed = (err) => {
      if (stopping) return;
      stopping = true;
      void service.drain(0).then(async () => {
        await admin?.close();
        detach();
        reject(new PtunnelError('ERR_PROXY_AUTH', `${err.message} (ptunnel stops: in --mode proxy every connection would fail the same way)`, { userError: true, cause: err }));
      });
    };
    const finish = async () => {
      const cut = await service.drain(current.shutdownTimeoutMs);
      logger.info(cut > 0 ? `stopped; ${cut} connection(s) cut at the shutdown timeout` : 'stopped; every connection finished');
      await admin?.close();
      detach();
      resolve(0);
    };
    quit = (reason: string) => {
      if (stopping) {
        logger.warn(`${reason} again: exiting now`);
        detach();
        resolve(0);
        return;
      }
      stopping = true;
      logger.info(`${reason}: closing listeners, draining connections`);
      void finish();
    };
    const onTerm = () => quit('received SIGTERM');
    const onInt = () => quit('received SIGINT');
    const onHup = () => {
      if (stopping) {
        logger.warn('SIGHUP ignored: shutting down');
        return;
      }
      let next: RuntimeConfig;
      try {
        next = deps.reloadConfig();
      } catch (err) {
        logger.error(`SIGHUP: configuration not reloaded, the running one stays: ${(err as Error).message}`);
        return;
      }
      // A drain uses the shutdown timeout of the configuration last handed to the service.
      current = next;
      service.reload(next).then((r) =>
        logger.info(`SIGHUP: configuration reloaded (${r.kept} kept, ${r.added} added, ${r.removed} removed${r.failed.length ? `, ${r.failed.length} failed` : ''})`),
      ).catch((err: unknown) =>
        logger.error(`SIGHUP: reload failed: ${(err as Error).message}`),
      );
    };
    const detach = () => {
      signals.removeListener('SIGTERM', onTerm);
      signals.removeListener('SIGINT', onInt);
      signals.removeListener('SIGHUP', onHup);
    };
    signals.on('SIGTERM', onTerm);
    signals.on('SIGINT', onInt);
    signals.on('SIGHUP', onHup);
  });
}
