import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { connect, deterministicStream, readAll, startHashServer, TestServer } from './servers';

/** What the stream and proxy-auth tests carry through a tunnel, checked at both ends. */

export const SIZE_64MIB = 64 * 1024 * 1024;

export interface HashTarget {
  server: TestServer;
  result: Promise<{ sha256: string; bytes: number; sentSha256: string }>;
}

export async function startHashTarget(size = SIZE_64MIB): Promise<HashTarget> {
  let report!: (r: { sha256: string; bytes: number; sentSha256: string }) => void;
  const result = new Promise<{ sha256: string; bytes: number; sentSha256: string }>((resolve) => (report = resolve));
  const server = await startHashServer(size, size, (r) => report(r));
  return { server, result };
}

/** Sends `size` bytes up while reading `size` down; the sha256 of each direction at each end. */
export async function transfer(port: number, target: HashTarget, size = SIZE_64MIB) {
  const socket = await connect(port);
  const received = createHash('sha256');
  let receivedBytes = 0;
  const up = deterministicStream(size);
  let sent = false;
  const maybeEnd = () => sent && receivedBytes >= size && socket.end();
  const downDone = new Promise<void>((resolve) => {
    socket.on('data', (c: Buffer) => {
      received.update(c);
      receivedBytes += c.length;
      maybeEnd();
    });
    socket.on('end', resolve);
  });
  up.pipeTo(socket, () => {
    sent = true;
    maybeEnd();
  });
  await downDone;
  const atServer = await target.result;
  return { receivedBytes, receivedSha256: received.digest('hex'), sentSha256: up.sha256(), atServer };
}

/** One echo round trip of a unique line: what each of many concurrent tunnels carries. */
export async function echoOnce(port: number, line: string): Promise<string> {
  const socket: Socket = await connect(port);
  socket.end(line);
  return (await readAll(socket)).toString();
}
