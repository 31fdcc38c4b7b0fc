import type { RuntimeConfig } from '../config/load';
import { openControlSocket } from '../admin/control-socket';
import type { AdminServer } from '../admin/server';
import type { Metrics } from '../admin/metrics';
import { PtunnelError, usageError } from '../errors';
import type { Level, LogFormat, Logger } from '../log/logger';
import { formatHostPort } from '../net/address';
import { TunnelService } from '../tunnel/service';
import { once } from '../util/once';

/** The admin server and its metrics are required only with --admin (start-up time; prom-client waits for Metrics). */
const adminCode = once(() => ({
  /* eslint-disable @typescript-eslint/no-require-imports */
  ...(require('../admin/server') as typeof import('../admin/server')),
  ...(require('../admin/metrics') as typeof import('../admin/metrics')),
  /* eslint-enable @typescript-eslint/no-require-imports */
}));

export interface RunDeps {
  config: RuntimeConfig;
  logger: Logger;
  version: string;
  /** Re-reads flags, env and the config file (SIGHUP); throws on invalid input. */
  reloadConfig: () => RuntimeConfig;
  /** Where signals come from; the process by default. */
  signals?: NodeJS.EventEmitter;
  /**
   * The log level and format a configuration asks for, as the logger was made (the CLI adds
   * -v and -q); by default the configuration's own, "auto" meaning text on a terminal.
   */
  logSettings?: (config: RuntimeConfig) => { level: Level; format: LogFormat };
}

function configuredLog(config: RuntimeConfig): { level: Level; format: LogFormat } {
  const { level, format } = config.log;
  return { level, format: format === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : format };
}

type AdminAt = NonNullable<RuntimeConfig['admin']>;
const adminText = (a: AdminAt) => formatHostPort(a.host, a.port);

/**
 * The main job: bind the tunnels (and the admin server), then run until told to stop.
 * SIGTERM, SIGINT and POST /quitquitquit drain (stop accepting, wait for live connections up to
 * the shutdown timeout, cut the rest) and resolve 0; a second signal resolves at once. SIGHUP
 * reloads the configuration; an invalid one is logged and the running one stays.
 */
export async function runService(deps: RunDeps): Promise<number> {
  const { config, logger } = deps;
  const signals = deps.signals ?? process;
  if (config.tunnels.length === 0 && !config.socks && !config.httpProxy) {
    throw usageError(
      'ERR_USAGE',
      'no tunnels given; add --preset NAME (e.g. --preset gmail, list with "ptunnel presets") or LOCAL_PORT:HOST:PORT (e.g. 9993:imap.gmail.com:993), or see "ptunnel --help"',
    );
  }
  for (const warning of config.warnings) logger.warn(warning);
  // Only the admin server exposes metrics: without it, prom-client is never loaded (about 4 MiB
  // of RSS) and the engine reports to its no-op events.
  const metrics = config.admin ? new (adminCode().Metrics)(deps.version) : undefined;
  let current = config;
  // Set once the service runs: in mode proxy a refused login ends ptunnel (see below).
  let authFailed: (err: Error) => void = () => undefined;
  // Whether a connection has got through the proxy since start (or the last reload): once the
  // credentials have worked, a later refusal (a password rotated, a ticket expired, the proxy's
  // helper failing) fails its connections with the reason but does not stop a working ptunnel.
  let proxyWorked = false;
  const service = new TunnelService({
    config,
    logger,
    ...(metrics ? { events: metrics } : {}),
    onConnectionEnd: (record) => {
      if (record.route === 'proxy' && !record.outcome.startsWith('ERR_PROXY')) proxyWorked = true;
      if (record.outcome === 'ERR_PROXY_AUTH' && record.error && current.mode === 'proxy' && !proxyWorked) authFailed(record.error);
    },
  });
  let quit: (reason: string) => void = () => undefined;
  const startAdmin = (at: AdminAt) =>
    adminCode().startAdminServer(at.host, at.port, { snapshot: () => service.snapshot(), quit: () => quit('POST /quitquitquit') }, metrics as Metrics, logger, at.names);
  let admin: AdminServer | undefined = metrics && config.admin ? await startAdmin(config.admin) : undefined;
  /** Where the running admin server was asked to listen (its config, not its bound port). */
  let adminAt = config.admin;
  // Before the listeners, so that "ptunnel status" answers once the "listening on" lines show.
  const control = await openControlSocket(() => service.snapshot(), logger);
  try {
    await service.start();
  } catch (err) {
    await admin?.close();
    await control?.close();
    throw err;
  }

  /** SIGHUP: the admin server follows `next.admin`; when the new address cannot be bound, the old one stays. */
  const moveAdmin = async (next: AdminAt | undefined): Promise<void> => {
    const old = admin;
    if (next?.host === adminAt?.host && next?.port === adminAt?.port) {
      if (next && old) old.allowNames(next.names);
      adminAt = next;
      return;
    }
    if (!metrics) {
      // The engine reports to its metrics from the start; they cannot be attached to it later.
      logger.warn('SIGHUP: admin not applied: the admin server was off at start; restart ptunnel to turn it on');
      return;
    }
    if (!next) {
      admin = undefined;
      adminAt = undefined;
      await old?.close();
      logger.info('SIGHUP: admin server stopped');
      return;
    }
    let fresh: AdminServer;
    try {
      fresh = await startAdmin(next);
    } catch (err) {
      const where = adminAt && old ? `it stays on ${adminText(adminAt)}` : 'it stays off';
      if (!old || !adminAt || adminAt.port !== next.port || (err as { cause?: { code?: string } }).cause?.code !== 'EADDRINUSE') {
        logger.error(`SIGHUP: admin: ${(err as Error).message}; ${where}`);
        return;
      }
      // The same port on another address (127.0.0.1:9090 -> 0.0.0.0:9090) overlaps the old bind.
      await old.close();
      try {
        fresh = await startAdmin(next);
      } catch (again) {
        logger.error(`SIGHUP: admin: ${(again as Error).message}; ${where}`);
        admin = await startAdmin(adminAt).catch((e: unknown) => {
          logger.error(`SIGHUP: admin server lost: ${(e as Error).message}`);
          return undefined;
        });
        return;
      }
      admin = fresh;
      adminAt = next;
      return;
    }
    admin = fresh;
    adminAt = next;
    await old?.close();
  };

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
      // A SIGHUP still moving the admin server must not leave one behind.
      await reloading;
      logger.info(cut > 0 ? `stopped; ${cut} connection(s) cut at the shutdown timeout` : 'stopped; every connection finished');
      await admin?.close();
      await control?.close();
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
      // A drain uses the shutdown timeout of the configuration last handed to the service; new
      // credentials have not worked yet.
      if (JSON.stringify(next.proxy?.credentials) !== JSON.stringify(current.proxy?.credentials)) proxyWorked = false;
      current = next;
      // One reload at a time, so that two quick SIGHUPs cannot both move the admin server.
      reloading = reloading.then(async () => {
        try {
          const r = await service.reload(next);
          applyLog(next);
          if (!stopping) await moveAdmin(next.admin);
          logger.info(`SIGHUP: configuration reloaded (${r.kept} kept, ${r.added} added, ${r.removed} removed${r.failed.length ? `, ${r.failed.length} failed` : ''})`);
        } catch (err) {
          logger.error(`SIGHUP: reload failed: ${(err as Error).message}`);
        }
      });
    };
    let reloading = Promise.resolve();
    const applyLog = (next: RuntimeConfig) => {
      const want = (deps.logSettings ?? configuredLog)(next);
      if (want.level === logger.level && want.format === logger.format) return;
      // Every child logger shares the setting: connections already open follow too.
      logger.reconfigure(want);
      logger.info(`SIGHUP: log level ${want.level}, format ${want.format}`);
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
