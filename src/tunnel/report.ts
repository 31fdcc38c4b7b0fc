import type { RuntimeConfig } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import { describeTunnel } from '../config/tunnel-spec';
import type { Logger } from '../log/logger';
import type { ConnectionRecord } from './connection';
import type { Listener } from './listeners';
import type { Route } from './router';

/** What the service tells people: one line per listener bound or let go, one per connection. */

function describeListener({ tunnel, address }: Listener): string {
  return describeTunnel({ ...tunnel, localPort: address.port }, address.address);
}

export function logListening(logger: Logger, listener: Listener, plan: { route: Route; reason?: string }, config: Pick<RuntimeConfig, 'mode' | 'proxy'>): void {
  const proxy = config.proxy ? describeProxy(config.proxy.endpoint) : '';
  logger.info(`listening on ${describeListener(listener)}`, {
    tunnel: listener.tunnel.source,
    route: plan.route === 'proxy' ? `${config.mode} via ${proxy}` : `direct (${plan.reason})`,
  });
}

export function logStopped(logger: Logger, listener: Listener): void {
  logger.info(`stopped listening on ${describeListener(listener)}`);
}

/** The one record of a connection, written when it ends; a client that left early is no failure. */
export function logConnectionEnd(logger: Logger, r: ConnectionRecord): void {
  const failed = r.route === undefined;
  const warning = failed && r.outcome !== 'client-gone';
  // Once per connection: a quiet ptunnel (-q) builds no fields for a line it would drop.
  if (!logger.enabled(warning ? 'warn' : 'info')) return;
  const fields = {
    id: r.id,
    tunnel: r.tunnel,
    client: r.client,
    route: r.route,
    target: r.target,
    remote: r.remote,
    reason: r.reason,
    durationMs: r.durationMs,
    bytesUp: r.bytesUp,
    bytesDown: r.bytesDown,
    outcome: r.outcome,
    err: r.error,
  };
  if (warning) {
    // The message already says what went wrong: the fields add its code, not the text again.
    const { err, ...rest } = fields;
    const code = (err as { code?: unknown } | undefined)?.code;
    logger.warn(`connection ${r.id} failed: ${r.error?.message ?? r.outcome}`, typeof code === 'string' ? { ...rest, code } : rest);
  } else logger.info('connection closed', fields);
}

/** -v: a connection came in, and (through a proxy) is waiting for the proxy's answer. */
export function logAccepted(logger: Logger, id: number, tunnel: string, client: string, route: Route, proxy?: string): void {
  logger.debug(`connection ${id} accepted from ${client}`, { id, tunnel, client });
  if (route === 'proxy') logger.debug(`connection ${id}: waiting for proxy ${proxy ?? '?'} to connect`, { id, tunnel });
}
