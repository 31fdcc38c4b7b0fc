import net from 'node:net';

export interface FaultProxy {
  port: number;
  url: string;
  /** The CONNECT request heads received, in order. */
  requests: string[];
  /** Takes no more connections (connecting gets refused); those open stay as they are. */
  stopAccepting(): void;
  close(): Promise<void>;
}

/**
 * A proxy written to misbehave: it reads the CONNECT request head, then hands the socket to
 * `behave`, which answers however the test wants (407, garbage, silence, a split answer...).
 */
export function startFaultProxy(behave: (socket: net.Socket, head: string) => void): Promise<FaultProxy> {
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = '';
    const onData = (chunk: Buffer) => {
      buf += chunk.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.removeListener('data', onData);
      const head = buf.slice(0, end);
      requests.push(head);
      const rest = Buffer.from(buf.slice(end + 4), 'latin1');
      if (rest.length > 0) socket.unshift(rest);
      behave(socket, head);
    };
    socket.on('data', onData);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        url: `http://127.0.0.1:${port}`,
        requests,
        stopAccepting: () => {
          if (server.listening) server.close();
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            if (server.listening) server.close(() => done());
            else done();
          }),
      });
    });
  });
}

/** Behaviour: answer 200 and then splice to the target named in the request. */
export function spliceTo(socket: net.Socket, head: string, answer = 'HTTP/1.1 200 Connection established\r\n\r\n'): void {
  const m = /^CONNECT (\S+):(\d+) /.exec(head);
  if (!m) {
    socket.destroy();
    return;
  }
  const upstream = net.connect({ host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]), allowHalfOpen: true });
  upstream.on('error', () => socket.destroy());
  upstream.once('connect', () => {
    socket.write(answer);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
}
