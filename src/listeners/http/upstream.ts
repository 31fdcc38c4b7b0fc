import net from 'node:net';
import type { ProxySettings } from '../../config/load';
import { describeProxy } from '../../config/proxy-spec';
import { PtunnelError, systemCode } from '../../errors';
import { tlsServerName } from '../../net/address';
import { cancelledError, settleOnce } from '../../net/settle';
import { tlsModule } from '../../util/builtins';
import { formatDuration } from '../../util/duration';
import { UNREACHABLE } from '../../proxy/connector';
import { tlsFailure } from '../../proxy/tls-failure';

/**
 * A plain connection to the proxy (TLS for an https:// proxy) to send it requests in absolute
 * form: no CONNECT, which corporate proxies allow to port 443 only.
 */
export function openProxySocket(proxy: ProxySettings, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const { endpoint } = proxy;
  const name = describeProxy(endpoint);
  return settleOnce<net.Socket>({ timeoutMs, signal, aborted: cancelledError }, (attempt) => {
    const socket =
      endpoint.protocol === 'https'
        ? tlsModule().connect({ host: endpoint.host, port: endpoint.port, servername: tlsServerName(endpoint.host), ca: proxy.ca, ALPNProtocols: ['http/1.1'] })
        : net.connect({ host: endpoint.host, port: endpoint.port });
    const onError = (err: Error) => {
      const code = systemCode(err);
      if (endpoint.protocol === 'https' && (code === undefined || !UNREACHABLE.has(code))) {
        attempt.reject(tlsFailure(err, endpoint, proxy.ca !== undefined));
        return;
      }
      attempt.reject(new PtunnelError('ERR_PROXY_CONNECT', `cannot connect to proxy ${name}: ${code ?? err.message}`, { cause: err, details: { phase: 'connect' } }));
    };
    socket.once(endpoint.protocol === 'https' ? 'secureConnect' : 'connect', () => attempt.resolve(socket));
    socket.on('error', onError);
    return {
      timeout: () => new PtunnelError('ERR_PROXY_TIMEOUT', `proxy ${name} did not accept the connection within ${formatDuration(timeoutMs)}`, { details: { phase: 'connect' } }),
      release: (err) => {
        socket.removeListener('error', onError);
        if (err) socket.destroy();
      },
    };
  });
}
