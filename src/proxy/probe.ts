import net from 'node:net';
import type { ProxyEndpoint } from '../config/proxy-spec';
import { describeProxy } from '../config/proxy-spec';
import { PtunnelError, systemCode } from '../errors';
import { cancelledError, settleOnce } from '../net/settle';
import { formatDuration } from '../util/duration';

/**
 * The health probe: can we open a TCP connection to the proxy? It sends nothing, so it costs
 * the proxy nothing and needs no credentials; a proxy that accepts TCP but then misbehaves is
 * caught by the next real connection. It fails with the codes a real attempt would fail with
 * at its connect phase (ERR_PROXY_CONNECT, ERR_PROXY_TIMEOUT).
 */
export function probeProxy(endpoint: ProxyEndpoint, timeoutMs: number): Promise<void> {
  const proxy = describeProxy(endpoint);
  const details = { phase: 'connect' } as const;
  return settleOnce<void>({ timeoutMs, aborted: cancelledError }, (attempt) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    socket.once('connect', () => attempt.resolve());
    socket.once('error', (err) =>
      attempt.reject(new PtunnelError('ERR_PROXY_CONNECT', `cannot connect to proxy ${proxy}: ${systemCode(err) ?? err.message}`, { cause: err, details })),
    );
    return {
      timeout: () =>
        new PtunnelError('ERR_PROXY_TIMEOUT', `proxy ${proxy} did not accept a connection within ${formatDuration(timeoutMs)}`, { details }),
      release: () => socket.destroy(),
    };
  });
}
