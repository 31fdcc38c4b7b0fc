import { NoProxy } from '../../src/config/no-proxy';
import type { TunnelSpec } from '../../src/config/tunnel-spec';
import { silentLogger } from '../../src/log/logger';
import { ProxyHealth, ProxyState, Timers } from '../../src/proxy/health';
import { Router, RouterDeps } from '../../src/tunnel/router';

type Mode = RouterDeps['config']['mode'];
/** NO_PROXY: not set, set for another host, or naming the tunnel's target. */
type NoProxyCase = 'unset' | 'other' | 'target';
type HealthCase = 'none' | ProxyState;

const tunnel: TunnelSpec = { localPort: 9993, host: 'imap.example.com', port: 993, source: '9993:imap.example.com:993' };
const NO_PROXY: Record<NoProxyCase, string | undefined> = { unset: undefined, other: 'other.org', target: '.example.com' };

const never = () => {
  throw new Error('plan must not open a connection');
};

/** A health memory driven into `state` by hand: timers that never fire unless told, a probe that never ends. */
function healthIn(state: ProxyState): ProxyHealth {
  let due: (() => void) | undefined;
  const timers: Timers = { set: (fn) => (due = fn), clear: () => (due = undefined) };
  const health = new ProxyHealth({ probe: () => new Promise(() => undefined), timers });
  if (state !== 'up') health.reportFailure('ECONNREFUSED');
  if (state === 'probing') due?.();
  expect(health.state).toBe(state);
  return health;
}

const P = { endpoint: { protocol: 'http' as const, host: 'proxy.example', port: 3128 }, source: 'test' };

function plan(mode: Mode, noProxy: NoProxyCase, health: HealthCase, proxyConfigured: boolean) {
  const router = new Router({
    config: {
      mode,
      noProxy: new NoProxy(NO_PROXY[noProxy]),
      connectTimeoutMs: 1000,
      proxies: proxyConfigured ? [P] : [],
    },
    lookup: never,
    connectProxy: never,
    connectDirect: never,
    logger: silentLogger,
    ...(health === 'none' ? {} : { health: (() => { const h = healthIn(health); return () => h; })() }),
  });
  return router.plan(tunnel);
}

/** Auto may fall back direct when the proxy fails; mode proxy may not. */
const proxy = { route: 'proxy', proxies: [P], fallback: true };
const proxyOnly = { route: 'proxy', proxies: [P], fallback: false };
const modeDirect = { route: 'direct', reason: 'mode direct' };
const noProxyMatch = { route: 'direct', reason: 'no_proxy' };
const down = (state: ProxyState) => ({ route: 'direct', reason: `proxy ${state}`, proxyDown: 'proxy http://proxy.example:3128 down (ECONNREFUSED)' });

describe('Router.plan with a proxy configured', () => {
  it.each<[Mode, NoProxyCase, HealthCase, object]>([
    // auto: NO_PROXY first, then the proxy's health.
    ['auto', 'unset', 'none', proxy],
    ['auto', 'unset', 'up', proxy],
    ['auto', 'unset', 'backoff', down('backoff')],
    ['auto', 'unset', 'probing', down('probing')],
    ['auto', 'other', 'none', proxy],
    ['auto', 'other', 'up', proxy],
    ['auto', 'other', 'backoff', down('backoff')],
    ['auto', 'other', 'probing', down('probing')],
    ['auto', 'target', 'none', noProxyMatch],
    ['auto', 'target', 'up', noProxyMatch],
    ['auto', 'target', 'backoff', noProxyMatch],
    ['auto', 'target', 'probing', noProxyMatch],
    // proxy: always the proxy, whatever NO_PROXY (often inherited) or the health memory says.
    ['proxy', 'unset', 'none', proxyOnly],
    ['proxy', 'unset', 'up', proxyOnly],
    ['proxy', 'unset', 'backoff', proxyOnly],
    ['proxy', 'unset', 'probing', proxyOnly],
    ['proxy', 'other', 'none', proxyOnly],
    ['proxy', 'other', 'up', proxyOnly],
    ['proxy', 'other', 'backoff', proxyOnly],
    ['proxy', 'other', 'probing', proxyOnly],
    ['proxy', 'target', 'none', proxyOnly],
    ['proxy', 'target', 'up', proxyOnly],
    ['proxy', 'target', 'backoff', proxyOnly],
    ['proxy', 'target', 'probing', proxyOnly],
    // direct: never the proxy.
    ['direct', 'unset', 'none', modeDirect],
    ['direct', 'unset', 'up', modeDirect],
    ['direct', 'unset', 'backoff', modeDirect],
    ['direct', 'unset', 'probing', modeDirect],
    ['direct', 'other', 'none', modeDirect],
    ['direct', 'other', 'up', modeDirect],
    ['direct', 'other', 'backoff', modeDirect],
    ['direct', 'other', 'probing', modeDirect],
    ['direct', 'target', 'none', modeDirect],
    ['direct', 'target', 'up', modeDirect],
    ['direct', 'target', 'backoff', modeDirect],
    ['direct', 'target', 'probing', modeDirect],
  ])('mode %s, NO_PROXY %s, health %s -> %o', (mode, noProxy, health, expected) => {
    expect(plan(mode, noProxy, health, true)).toEqual(expected);
  });
});

describe('Router.plan without a proxy', () => {
  const every = (['auto', 'proxy', 'direct'] as const).flatMap((mode) =>
    (['unset', 'other', 'target'] as const).flatMap((noProxy) =>
      (['none', 'up', 'backoff', 'probing'] as const).map((health) => [mode, noProxy, health] as const),
    ),
  );
  it.each(every)('mode %s, NO_PROXY %s, health %s -> direct, as mode direct', (mode, noProxy, health) => {
    expect(plan(mode, noProxy, health, false)).toEqual(modeDirect);
  });
});
