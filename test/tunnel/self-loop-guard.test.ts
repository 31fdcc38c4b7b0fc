import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { LOOP_WINDOW_MS, SelfLoopGuard } from '../../src/tunnel/self-loop';

/** Just what the guard reads of a socket. */
function socket(fields: Partial<Pick<net.Socket, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort' | 'bytesRead'>>): net.Socket {
  return Object.assign(new EventEmitter(), { bytesRead: 0, ...fields }) as unknown as net.Socket;
}

describe('the self-loop guard', () => {
  let now = 0;
  const guard = () => {
    const g = new SelfLoopGuard(() => now);
    // Every port these cases use is both listened on and some tunnel's target.
    g.watch([143, 993, 8080, 38489], [143, 993, 8080, 38489]);
    return g;
  };
  beforeEach(() => {
    now = 1000;
  });

  const client = (remotePort: number) => socket({ remoteAddress: '127.0.0.1', remotePort });
  const upstreamEnd = (localPort: number) => socket({ localAddress: '127.0.0.1', localPort });

  it('refuses the second link of a chain of pairings: accept on P, answer for P, accept on P, ...', () => {
    const g = guard();
    const refused: string[] = [];
    // The real client: nothing pairs with it.
    const a = client(40000);
    expect(g.accepted(a, 993, (m) => refused.push(m))).toBeUndefined();
    // Its CONNECT through the loopback proxy is answered, and the proxy's connection lands on 993.
    g.upstream(a, upstreamEnd(50000), 993, true);
    now += 2;
    const b = client(40001);
    expect(g.accepted(b, 993, (m) => refused.push(m))).toBeUndefined();
    // b's own CONNECT is answered before the next link is accepted: that link is refused at once.
    g.upstream(b, upstreamEnd(50001), 993, true);
    now += 2;
    expect(g.accepted(client(40002), 993, () => undefined)).toMatch(
      /self-loop: the local proxy connected back to ptunnel's own port 993 .*use a local port other than the target port/,
    );
    expect(refused).toEqual([]);
  });

  it('also when the next link is accepted before the answer that leads to it is read', () => {
    const g = guard();
    const refused: string[] = [];
    const a = client(40000);
    g.accepted(a, 993, () => undefined);
    const b = client(40001);
    g.accepted(b, 993, (m) => refused.push(`b: ${m}`));
    now += 2;
    g.upstream(a, upstreamEnd(50000), 993, true);
    const c = client(40002);
    g.accepted(c, 993, (m) => refused.push(`c: ${m}`));
    now += 2;
    g.upstream(b, upstreamEnd(50001), 993, true);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^c: self-loop/);
  });

  it("serves a client that happens to arrive just as another one's CONNECT is answered", () => {
    // Thunderbird opens several IMAP connections at once: one pairing alone is chance.
    const g = guard();
    const refused: string[] = [];
    const a = client(40000);
    g.accepted(a, 993, (m) => refused.push(m));
    g.upstream(a, upstreamEnd(50000), 993, true);
    now += 3;
    const b = client(40001);
    expect(g.accepted(b, 993, (m) => refused.push(m))).toBeUndefined();
    // b's answer comes from the real server; nothing lands on 993 after it.
    now += 30;
    g.upstream(b, upstreamEnd(50001), 993, true);
    now += LOOP_WINDOW_MS + 1;
    expect(g.accepted(client(40002), 993, (m) => refused.push(m))).toBeUndefined();
    expect(refused).toEqual([]);
  });

  it('leaves real clients alone: another port, bytes sent, outside the window, a remote proxy, not loopback', () => {
    const g = guard();
    const refused: string[] = [];
    const note = (m: string) => refused.push(m);
    const accept = (remoteAddress: string, remotePort: number, port: number, bytesRead = 0) =>
      refused.push(g.accepted(socket({ remoteAddress, remotePort, bytesRead }), port, note) ?? '');
    accept('127.0.0.1', 1, 143);
    accept('127.0.0.1', 2, 993, 517);
    accept('192.168.1.5', 3, 993);
    g.upstream(client(1), socket({ localAddress: '127.0.0.1', localPort: 50000 }), 993, true);
    g.upstream(client(1), socket({ localAddress: '10.0.0.2', localPort: 50002 }), 993, false);
    accept('127.0.0.1', 4, 143);
    expect(refused.filter((m) => m !== '')).toEqual([]);
    // A silent client on port 993 whose neighbour's CONNECT is answered after the window.
    const h = guard();
    expect(h.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 5 }), 993, note)).toBeUndefined();
    now += LOOP_WINDOW_MS + 1;
    h.upstream(client(6), socket({ localAddress: '127.0.0.1', localPort: 50001 }), 993, true);
    expect(refused.filter((m) => m !== '')).toEqual([]);
  });

  it('refuses, with certainty, a connection that is one of its own upstream connections seen from the other end', () => {
    const g = guard();
    const own = socket({ localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 8080 });
    g.upstream(client(7), own, 8080, false);
    now += 10_000;
    const back = () => socket({ remoteAddress: '::ffff:127.0.0.1', remotePort: 50000, localAddress: '127.0.0.1', localPort: 8080 });
    expect(g.accepted(back(), 8080, () => undefined)).toMatch(/connected to its own listener \(from 127\.0\.0\.1:50000\)/);
    own.emit('close');
    expect(g.accepted(back(), 8080, () => undefined)).toBeUndefined();
  });

  it('serves a client whose port happens to be the local port of a connection to the proxy', () => {
    // The kernel hands out one ephemeral port to connections to different places: seen through
    // squid under load, where the port alone made a real client look like ptunnel itself.
    const g = guard();
    g.upstream(client(7), socket({ localAddress: '127.0.0.1', localPort: 49800, remoteAddress: '127.0.0.1', remotePort: 3128 }), 993, true);
    now += 1000;
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 49800, localAddress: '127.0.0.1', localPort: 38489 }), 38489, () => undefined)).toBeUndefined();
  });

  it('looks at no address where no loop is possible: a port that no tunnel targets', () => {
    const g = new SelfLoopGuard(() => now);
    g.watch([9993], [993]);
    const untouchable = Object.defineProperty(new EventEmitter(), 'remoteAddress', {
      get: () => {
        throw new Error('read the peer address');
      },
    }) as unknown as net.Socket;
    expect(g.accepted(untouchable, 9993, () => undefined)).toBeUndefined();
    const upstream = Object.defineProperty(new EventEmitter(), 'localAddress', {
      get: () => {
        throw new Error('read the local address');
      },
    }) as unknown as net.Socket;
    expect(() => g.upstream(untouchable, upstream, 993, true)).not.toThrow();
  });
});
