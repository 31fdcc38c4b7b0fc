import http from 'node:http';
import { formatHostPort } from '../net/address';
import { PtunnelError } from '../errors';
import type { Logger } from '../log/logger';
import type { ServiceSnapshot } from '../tunnel/snapshot';
import { hostChecker } from './host-check';
import type { Metrics } from './metrics';
import { statusBody } from './status';

export interface AdminState {
  /** The engine's state, read afresh for each request. */
  snapshot(): ServiceSnapshot;
  /** POST /quitquitquit: begin a graceful shutdown. */
  quit(): void;
}

export interface AdminServer {
  address: { host: string; port: number };
  /** Replaces the --admin-host names (SIGHUP), without rebinding. */
  allowNames(names: readonly string[]): void;
  close(): Promise<void>;
}

/** A stuck event loop shows as heartbeats that arrive late. */
const HEARTBEAT_MS = 1000;
const STALL_MS = 10_000;

/**
 * The admin endpoint for probes and people. It reads engine state and never dials the proxy or
 * a target: with fallback, an unreachable proxy must not take pods out of service.
 */
export async function startAdminServer(
  host: string,
  port: number,
  state: AdminState,
  metrics: Metrics,
  logger: Logger,
  /** Host names the server answers besides its address and loopback (--admin-host). */
  names: readonly string[] = [],
): Promise<AdminServer> {
  let hostAllowed = hostChecker(host, names);
  let lastBeat = Date.now();
  const heartbeat = setInterval(() => (lastBeat = Date.now()), HEARTBEAT_MS);
  heartbeat.unref();

  const send = (res: http.ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    res.end(body);
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const method = req.method ?? 'GET';
    if (!hostAllowed(req.headers.host)) {
      // The name is shown escaped: it came off the network.
      return send(res, 421, `refused: Host ${JSON.stringify(req.headers.host)} is not a name of this server; add it with --admin-host\n`);
    }
    if (path === '/quitquitquit') {
      if (method !== 'POST') return send(res, 405, 'use POST\n');
      // A web page in the user's browser may POST to a loopback port too (no preflight for a
      // simple request), but the browser names the page in Origin; curl and kubelet do not.
      if (req.headers.origin !== undefined || req.headers['sec-fetch-site'] !== undefined) {
        return send(res, 403, 'refused: requests from web pages may not stop ptunnel\n');
      }
      send(res, 202, 'shutting down\n');
      state.quit();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') return send(res, 405, 'method not allowed\n');
    switch (path) {
      case '/startup':
        return state.snapshot().started ? send(res, 200, 'ok\n') : send(res, 503, 'starting\n');
      case '/livez':
        return Date.now() - lastBeat < STALL_MS ? send(res, 200, 'ok\n') : send(res, 503, 'event loop stalled\n');
      case '/readyz': {
        const { draining, started } = state.snapshot();
        if (draining) return send(res, 503, 'draining\n');
        return started ? send(res, 200, 'ok\n') : send(res, 503, 'starting\n');
      }
      case '/metrics':
        metrics.render().then(
          (text) => send(res, 200, text, metrics.contentType),
          (err: unknown) => send(res, 500, `${(err as Error).message}\n`),
        );
        return;
      case '/status':
        return send(res, 200, `${JSON.stringify(statusBody(state.snapshot()), null, 2)}\n`, 'application/json');
      default:
        return send(res, 404, 'not found: try /startup, /livez, /readyz, /metrics, /status\n');
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) =>
      reject(
        new PtunnelError('ERR_LISTEN', `cannot start the admin server on ${formatHostPort(host, port)}: ${(err as NodeJS.ErrnoException).code ?? err.message}`, {
          cause: err,
          userError: true,
        }),
      ),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  logger.info(`admin server on http://${formatHostPort(bound.address, bound.port)} (/readyz, /livez, /startup, /metrics, /status)`);
  return {
    address: { host: bound.address, port: bound.port },
    allowNames: (next) => (hostAllowed = hostChecker(host, next)),
    close: () =>
      new Promise<void>((resolve) => {
        clearInterval(heartbeat);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
