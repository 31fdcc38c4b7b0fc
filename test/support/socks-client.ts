import net from 'node:net';
import { Command, encodeGreeting, encodeRequest, Method, parseReply } from '../../src/listeners/socks/codec';

/** Reads until `n` bytes came, or the socket ended: what the server said, and whether it closed. */
export function readReply(socket: net.Socket, n: number, timeoutMs = 5000): Promise<{ bytes: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      resolve({ bytes: buf, closed });
    };
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= n) finish(false);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', onData);
    socket.once('close', () => finish(true));
    socket.once('end', () => finish(true));
    socket.on('error', () => undefined);
  });
}

/** A minimal SOCKS5 client (no auth, CONNECT by name): the socket once the server said yes. */
export async function socks5Connect(port: number, host: string, targetPort: number): Promise<net.Socket> {
  const socket = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(encodeGreeting([Method.none]));
  const choice = await readReply(socket, 2);
  if (choice.bytes[1] !== Method.none) throw new Error(`SOCKS method refused: ${choice.bytes.toString('hex')}`);
  socket.write(encodeRequest(Command.connect, { host, port: targetPort }));
  const reply = await readReply(socket, 10);
  const parsed = parseReply(reply.bytes);
  if (parsed.status !== 'ok' || parsed.value.rep !== 0) throw new Error(`SOCKS CONNECT refused: ${reply.bytes.toString('hex')}`);
  return socket;
}
