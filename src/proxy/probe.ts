import net from 'node:net';
import type { ProxyEndpoint } from '../config/proxy-spec';
import { describeProxy } from '../config/proxy-spec';
import { formatDuration } from '../util/duration';

/**
 * The health probe: can we open a TCP connection to the proxy? It sends nothing, so it costs
 * the proxy nothing and needs no credentials; a proxy that accepts TCP but then misbehaves is
 * caught by the next real connection.
 */
export function probeProxy(endpoint: ProxyEndpoint, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: endpoint.host, port: endpoint.port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`proxy ${describeProxy(endpoint)} did not accept a connection within ${formatDuration(timeoutMs)}`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve();
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}
