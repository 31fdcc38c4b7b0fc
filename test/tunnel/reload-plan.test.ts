import type { TunnelSpec } from '../../src/config/tunnel-spec';
import { planReload, planProxyListenerReload } from '../../src/tunnel/reload-plan';

/** `[listen host] local:host:port`, enough of a tunnel for its identity. */
function t(text: string): TunnelSpec {
  const [listenHost, rest] = text.includes(' ') ? (text.split(' ') as [string, string]) : [undefined, text];
  const [localPort, host, port] = rest.split(':') as [string, string, string];
  return { ...(listenHost ? { listenHost } : {}), localPort: Number(localPort), host, port: Number(port), source: text };
}

const listen = (tunnels: string[]) => tunnels.map((text) => ({ tunnel: t(text) }));
const names = (list: readonly { tunnel: TunnelSpec }[]) => list.map((l) => l.tunnel.source);

describe('the reload plan', () => {
  it.each<[string, string[], string, string[], string, { keep: string[]; remove: string[]; add: string[] }]>([
    ['nothing changed', ['1:a:1', '2:b:2'], '127.0.0.1', ['1:a:1', '2:b:2'], '127.0.0.1', { keep: ['1:a:1', '2:b:2'], remove: [], add: [] }],
    ['one added', ['1:a:1'], '127.0.0.1', ['1:a:1', '2:b:2'], '127.0.0.1', { keep: ['1:a:1'], remove: [], add: ['2:b:2'] }],
    ['one removed', ['1:a:1', '2:b:2'], '127.0.0.1', ['2:b:2'], '127.0.0.1', { keep: ['2:b:2'], remove: ['1:a:1'], add: [] }],
    ['one replaced', ['1:a:1', '2:b:2'], '127.0.0.1', ['1:a:1', '3:c:3'], '127.0.0.1', { keep: ['1:a:1'], remove: ['2:b:2'], add: ['3:c:3'] }],
    ['target host changed', ['1:a:1'], '127.0.0.1', ['1:z:1'], '127.0.0.1', { keep: [], remove: ['1:a:1'], add: ['1:z:1'] }],
    ['target port changed', ['1:a:1'], '127.0.0.1', ['1:a:9'], '127.0.0.1', { keep: [], remove: ['1:a:1'], add: ['1:a:9'] }],
    ['local port changed', ['1:a:1'], '127.0.0.1', ['9:a:1'], '127.0.0.1', { keep: [], remove: ['1:a:1'], add: ['9:a:1'] }],
    ['global listen address changed', ['1:a:1'], '127.0.0.1', ['1:a:1'], '0.0.0.0', { keep: [], remove: ['1:a:1'], add: ['1:a:1'] }],
    ['own listen address, global one changed', ['127.0.0.2 1:a:1'], '127.0.0.1', ['127.0.0.2 1:a:1'], '0.0.0.0', { keep: ['127.0.0.2 1:a:1'], remove: [], add: [] }],
    ['own listen address now the same as the global one', ['1:a:1'], '127.0.0.1', ['127.0.0.1 1:a:1'], '127.0.0.1', { keep: ['1:a:1'], remove: [], add: [] }],
    ['own listen address changed', ['127.0.0.2 1:a:1'], '127.0.0.1', ['127.0.0.3 1:a:1'], '127.0.0.1', { keep: [], remove: ['127.0.0.2 1:a:1'], add: ['127.0.0.3 1:a:1'] }],
    ['everything removed', ['1:a:1', '2:b:2'], '127.0.0.1', [], '127.0.0.1', { keep: [], remove: ['1:a:1', '2:b:2'], add: [] }],
    ['nothing running', [], '127.0.0.1', ['1:a:1'], '127.0.0.1', { keep: [], remove: [], add: ['1:a:1'] }],
    ['order of the new list does not matter', ['1:a:1', '2:b:2'], '127.0.0.1', ['2:b:2', '1:a:1'], '127.0.0.1', { keep: ['1:a:1', '2:b:2'], remove: [], add: [] }],
  ])('%s', (_name, running, runningListen, next, nextListen, expected) => {
    const plan = planReload(listen(running), runningListen, { tunnels: next.map(t), listen: nextListen });
    expect({ keep: names(plan.keep), remove: names(plan.remove), add: plan.add.map((x) => x.source) }).toEqual(expected);
  });

  it('keeps the very listener objects, so that their connections stay with them', () => {
    const running = listen(['1:a:1', '2:b:2']);
    const plan = planReload(running, '127.0.0.1', { tunnels: [t('1:a:1')], listen: '127.0.0.1' });
    expect(plan.keep[0]).toBe(running[0]);
    expect(plan.remove[0]).toBe(running[1]);
  });
});

describe('planProxyListenerReload: what a reload does with a local proxy listener', () => {
  const at = (host: string, port: number) => ({ host, port });
  it.each([
    ['off, stays off', undefined, undefined, 'none'],
    ['turned on', undefined, at('127.0.0.1', 1080), 'add'],
    ['turned off', at('127.0.0.1', 1080), undefined, 'remove'],
    ['same address (credentials or --allow-clients may differ)', at('127.0.0.1', 1080), at('127.0.0.1', 1080), 'keep'],
    ['port changed', at('127.0.0.1', 1080), at('127.0.0.1', 1081), 'rebind'],
    ['address changed', at('127.0.0.1', 1080), at('0.0.0.0', 1080), 'rebind'],
  ] as const)('%s', (_name, running, next, expected) => {
    expect(planProxyListenerReload(running, next)).toBe(expected);
  });
});
