import type net from 'node:net';
import type { AddressLookup } from '../../src/dns/lookup';
import { freePort } from './ports';
import { startProxy, TestProxy } from './squid';
import { RunningTunnel, startTunnel } from './tunnel';

/** A server on `host`, ptunnel with --http-proxy in front of it, and squid between them on route squid. */
export interface HttpProxyRig {
  /** The squid on route squid. */
  proxy?: TestProxy;
  webPort: number;
  /** ptunnel's --http-proxy port on 127.0.0.1. */
  listenPort: number;
  tunnel: RunningTunnel;
  close(): Promise<void>;
}

export interface HttpProxyRigOptions {
  /** Names squid resolves (route squid). */
  hosts?: Record<string, string>;
  /** ptunnel's lookup (route direct). */
  lookup?: AddressLookup;
  /** More ptunnel flags. */
  flags?: Record<string, unknown>;
}

export async function startHttpProxyRig(route: 'squid' | 'direct', web: net.Server, host: string, options: HttpProxyRigOptions = {}): Promise<HttpProxyRig> {
  await new Promise<void>((r) => web.listen(0, host, r));
  const webPort = (web.address() as net.AddressInfo).port;
  const listenPort = await freePort();
  const proxy = route === 'squid' ? await startProxy(options.hosts ? { hosts: options.hosts } : {}) : undefined;
  const tunnel = await startTunnel({
    flags: { mode: proxy ? 'proxy' : 'direct', ...(proxy ? { 'proxy.url': proxy.url } : {}), 'httpProxy.listen': `127.0.0.1:${listenPort}`, ...options.flags },
    ...(options.lookup ? { lookup: options.lookup } : {}),
  });
  return {
    ...(proxy ? { proxy } : {}),
    webPort,
    listenPort,
    tunnel,
    close: async () => {
      await tunnel.close();
      await new Promise((r) => web.close(r));
      await proxy?.stop();
    },
  };
}
