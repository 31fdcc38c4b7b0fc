import type { ProxySettings } from '../../config/load';
import { basicScheme } from './basic';
import type { ProxyAuthScheme } from './scheme';

/** The scheme for one connection attempt through `proxy`; undefined when no credentials are set. */
export function createAuthScheme(proxy: ProxySettings): ProxyAuthScheme | undefined {
  return proxy.authorization === undefined ? undefined : basicScheme(proxy.authorization);
}
