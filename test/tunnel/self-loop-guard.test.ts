import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { LOOP_WINDOW_MS, SelfLoopGuard } from '../../src/tunnel/self-loop';

/** Just what the guard reads of a socket. */
function socket(fields: Partial<Pick<net.Socket, 'remoteAddress' | 'remotePort' | 'localAddress' | 'localPort' | 'bytesRead'>>): net.Socket {
  return Object.assign(new EventEmitter(), { bytesRead: 0, ...fields }) as unknown as net.Socket;
}

describe('the self-loop guard', () => {
  let now = 0;
  const guard = () => new SelfLoopGuard(() => now);
  beforeEach(() => {
    now = 1000;
  });

  it('pairs a silent loopback connection on port P with a loopback proxy answer for port P, once', () => {
    const g = guard();
    const refused: string[] = [];
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 40000 }), 993, (m) => refused.push(m))).toBeUndefined();
    now += 2;
    g.upstream(socket({ localAddress: '127.0.0.1', localPort: 50000 }), 993, true);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/self-loop: the local proxy connected back to ptunnel's own port 993 .*use a local port other than the target port/);
    // The answer came first: the connection is refused as it is accepted; an answer pairs once.
    g.upstream(socket({ localAddress: '127.0.0.1', localPort: 50001 }), 993, true);
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 40001 }), 993, () => undefined)).toMatch(/self-loop/);
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 40002 }), 993, () => undefined)).toBeUndefined();
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
    g.upstream(socket({ localAddress: '127.0.0.1', localPort: 50000 }), 993, true);
    g.upstream(socket({ localAddress: '10.0.0.2', localPort: 50002 }), 993, false);
    accept('127.0.0.1', 4, 143);
    expect(refused.filter((m) => m !== '')).toEqual([]);
    // A silent client on port 993 whose neighbour's CONNECT is answered after the window.
    const h = guard();
    expect(h.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 5 }), 993, note)).toBeUndefined();
    now += LOOP_WINDOW_MS + 1;
    h.upstream(socket({ localAddress: '127.0.0.1', localPort: 50001 }), 993, true);
    expect(refused.filter((m) => m !== '')).toEqual([]);
  });

  it('refuses, with certainty, a connection whose peer is one of its own upstream sockets', () => {
    const g = guard();
    const own = socket({ localAddress: '127.0.0.1', localPort: 50000 });
    g.upstream(own, 8080, false);
    now += 10_000;
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 50000 }), 8080, () => undefined)).toMatch(/connected to its own listener \(from 127\.0\.0\.1:50000\)/);
    own.emit('close');
    expect(g.accepted(socket({ remoteAddress: '127.0.0.1', remotePort: 50000 }), 8080, () => undefined)).toBeUndefined();
  });
});
