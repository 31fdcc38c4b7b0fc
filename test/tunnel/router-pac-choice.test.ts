import { NoProxy } from '../../src/config/no-proxy';
import type { ProxyEndpoint } from '../../src/config/proxy-spec';
import type { TunnelSpec } from '../../src/config/tunnel-spec';
import { silentLogger } from '../../src/log/logger';
import type { PacAnswer } from '../../src/proxy/discovery/pac';
import { parsePacResult } from '../../src/proxy/discovery/pac-result';
import { Router, RouterDeps } from '../../src/tunnel/router';

const tunnel: TunnelSpec = { localPort: 9993, host: 'imap.example.com', port: 993, source: '9993:imap.example.com:993' };
const configured = { endpoint: { protocol: 'http' as const, host: 'explicit.example', port: 3128 }, source: 'proxy.url' };
const never = () => Promise.reject(new Error('plan opens nothing'));

function router(mode: RouterDeps['config']['mode'], withProxy: boolean, down: string[] = []) {
  return new Router({
    config: {
      mode,
      noProxy: new NoProxy(undefined),
      connectTimeoutMs: 1000,
      proxies: withProxy ? [configured] : [],
      pac: { location: 'http://wpad.corp.example/wpad.dat', refreshMs: 300_000, proxy: (endpoint: ProxyEndpoint) => ({ endpoint, source: 'PAC' }) },
    },
    lookup: never,
    connectProxy: never,
    connectDirect: never,
    logger: silentLogger,
    health: (p) => ({ usable: !down.includes(p.endpoint.host), state: down.includes(p.endpoint.host) ? 'backoff' : 'up' }) as never,
  });
}
const pac = (result: string): PacAnswer => ({ kind: 'pac', entries: parsePacResult(result), result, from: 'test', ms: 0.3 });
const hosts = (plan: ReturnType<Router['plan']>) => (plan.route === 'proxy' ? plan.proxies.map((p) => p.endpoint.host) : plan.reason);

describe("Router.plan with a PAC file's answer", () => {
  it('the PAC list in order; DIRECT in it allows the fallback', () => {
    const r = router('auto', true);
    const plan = r.plan(tunnel, r.choiceOf(pac('PROXY a:1; PROXY b:2; DIRECT')));
    expect(plan).toMatchObject({ route: 'proxy', fallback: true });
    expect(hosts(plan)).toEqual(['a', 'b']);
  });

  it('no DIRECT in the answer: auto does not go direct even when every PAC proxy is down', () => {
    const r = router('auto', true, ['a', 'b']);
    const plan = r.plan(tunnel, r.choiceOf(pac('PROXY a:1; PROXY b:2')));
    expect(plan).toMatchObject({ route: 'proxy', fallback: false });
    expect(hosts(plan)).toEqual(['a', 'b']);
  });

  it('skips a proxy in back-off, and goes direct when DIRECT is listed and all are down', () => {
    const r = router('auto', true, ['a']);
    expect(hosts(r.plan(tunnel, r.choiceOf(pac('PROXY a:1; PROXY b:2; DIRECT'))))).toEqual(['b']);
    const allDown = router('auto', true, ['a', 'b']);
    expect(hosts(allDown.plan(tunnel, allDown.choiceOf(pac('PROXY a:1; PROXY b:2; DIRECT'))))).toBe('every proxy down (http://a:1 backoff, http://b:2 backoff)');
  });

  it('DIRECT alone, and SOCKS entries skipped', () => {
    const r = router('auto', true);
    expect(r.plan(tunnel, r.choiceOf(pac('DIRECT')))).toEqual({ route: 'direct', reason: 'PAC said DIRECT' });
    expect(hosts(r.plan(tunnel, r.choiceOf(pac('SOCKS s:1080; PROXY a:1'))))).toEqual(['a']);
  });

  it('no PAC to ask (unreachable): the configured proxies, else direct with the reason', () => {
    const none: PacAnswer = { kind: 'none', reason: 'PAC unreachable (ENOTFOUND)' };
    const withProxy = router('auto', true);
    expect(hosts(withProxy.plan(tunnel, withProxy.choiceOf(none)))).toEqual(['explicit.example']);
    const without = router('auto', false);
    expect(without.plan(tunnel, without.choiceOf(none))).toEqual({ route: 'direct', reason: 'PAC unreachable (ENOTFOUND)' });
  });

  it('mode direct ignores the PAC', () => {
    const r = router('direct', true);
    expect(r.plan(tunnel, r.choiceOf(pac('PROXY a:1')))).toEqual({ route: 'direct', reason: 'mode direct' });
  });
});
