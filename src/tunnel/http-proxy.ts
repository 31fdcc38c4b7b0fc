import type http from 'node:http';
import type net from 'node:net';
import type { ProxySettings } from '../config/load';
import { describeProxy } from '../config/proxy-spec';
import type { TunnelSpec } from '../config/tunnel-spec';
import type { Logger } from '../log/logger';
import { sanitizeLine } from '../log/sanitize';
import { formatHostPort } from '../net/address';
import type { ForwardResult, ForwardRoute } from '../listeners/http/forward';
import type { AbsoluteTarget } from '../listeners/http/request';
import { openProxySocket } from '../listeners/http/upstream';
import type { ConnectionRecord } from './connection';
import type { AddressScreen } from './dest-policy';
import { HTTP_PROXY_SOURCE } from './events';
import type { ProxyChoice, Router } from './router';

/** A destination as a mapping of its own: the router plans it as any tunnel. */
export function specFor(localPort: number, host: string, port: number): TunnelSpec {
  return { localPort, host, port, source: HTTP_PROXY_SOURCE };
}

/**
 * The route of one forwarded request, as the router plans a tunnel to its host:port (mode,
 * NO_PROXY, PAC, each proxy's health). Through a proxy the request goes to the first usable one
 * as it is; direct it goes through the router's own direct path (ptunnel's resolver and loop guard).
 */
export async function forwardRoute(router: Router, spec: TunnelSpec, connectTimeoutMs: number, screen?: AddressScreen): Promise<ForwardRoute> {
  const plan = router.plan(spec, await router.choose(spec));
  if (plan.route === 'direct') {
    const direct: ProxyChoice = { proxies: [], fallback: true, direct: plan.reason };
    return { route: 'direct', reason: plan.reason, open: async (signal) => (await router.open(spec, signal, direct, screen)).socket };
  }
  const proxy = plan.proxies[0] as ProxySettings;
  return { route: 'proxy', proxy, open: (signal) => openProxySocket(proxy, connectTimeoutMs, signal) };
}

/** The record of one forwarded request, in the shape of a tunnel's, for the metrics and the log. */
export function forwardRecord(id: number, client: net.Socket, target: AbsoluteTarget, result: ForwardResult, startedMs: number, bytesDown: number): ConnectionRecord {
  const record: ConnectionRecord = {
    id,
    tunnel: HTTP_PROXY_SOURCE,
    client: formatHostPort(client.remoteAddress ?? '?', client.remotePort ?? 0),
    target: formatHostPort(target.host, target.port),
    durationMs: Math.round(performance.now() - startedMs),
    bytesUp: result.bytesUp,
    bytesDown,
    outcome: result.outcome,
  };
  if (result.route) record.route = result.route;
  if (result.reason !== undefined) record.reason = result.reason;
  if (result.error) record.error = result.error;
  return record;
}

/** One line per forwarded request, like a tunnel's "connection closed": the destination is in it, never in a metric label. */
export function logForwarded(logger: Logger, record: ConnectionRecord, req: http.IncomingMessage, { status, proxy }: ForwardResult): void {
  const fields = {
    id: record.id,
    tunnel: record.tunnel,
    client: record.client,
    route: record.route,
    ...(proxy ? { proxy: describeProxy(proxy.endpoint) } : {}),
    target: record.target,
    reason: record.reason,
    method: sanitizeLine(req.method ?? '?'),
    status,
    durationMs: record.durationMs,
    bytesUp: record.bytesUp,
    bytesDown: record.bytesDown,
    outcome: record.outcome,
  };
  if (record.error) logger.warn(`request ${record.id} to ${record.target} failed: ${record.error.message}`, { ...fields, code: record.outcome });
  else logger.info('request forwarded', fields);
}
