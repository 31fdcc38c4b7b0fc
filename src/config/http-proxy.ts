import { proxyListener, ProxyListenerSettings } from './listener-policy';
import type { RawSettings } from './schema';

export type HttpProxySettings = ProxyListenerSettings;

/** --http-proxy, or undefined when no HTTP proxy listener was asked for. */
export function resolveHttpProxy(raw: RawSettings): HttpProxySettings | undefined {
  const text = raw.httpProxy.listen?.trim();
  if (!text) return undefined;
  return proxyListener(raw, 'httpProxy.listen', text, 3128);
}
