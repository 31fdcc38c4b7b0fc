import { createHash, Hash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { serve, TestServer } from '../support/servers';

/**
 * A checked traffic protocol for the soak. The client opens with a 20-byte header (magic, id,
 * mode, upload size, download size); both sides then know exactly how many bytes to expect, so a
 * stream cut short is always told from a complete one, whatever the TCP close looked like. Every
 * byte is hashed (sha256) by its sender and by its receiver, and the two digests are compared.
 *
 * Modes, chosen so that no side ends (sends FIN) before the other has everything, except where a
 * half-close is the point: squid tears a tunnel down at the first FIN it sees, so half-closes
 * only run on a tunnel that goes direct (NO_PROXY), where the FIN must travel end to end.
 * - exchange: both directions at once; the server ends its download with a 32-byte trailer, the
 *   sha256 of the upload it received; the client ends only after that trailer (proxy-safe).
 * - client-fin: the client uploads and ends its side at once; the server waits for that FIN,
 *   then sends the download and the trailer and ends (the reply travels after the client's FIN).
 * - server-fin: the server sends the download and ends at once; the client reads it to the FIN,
 *   then uploads and ends (data travelling after the server's FIN).
 */
export type Mode = 'exchange' | 'client-fin' | 'server-fin';
const MODES: Mode[] = ['exchange', 'client-fin', 'server-fin'];
const MAGIC = 0x50545253; // "PTRS"
const HEADER = 20;
const TRAILER = 32;

/** What the server saw of each connection, by id; the client's verdict is checked against it. */
export interface LedgerEntry {
  /** sha256 of the download as the server sent it, once all of it was written. */
  downHash?: string;
  /** sha256 of the upload as received, once exactly `upSize` bytes arrived. */
  upHash?: string;
  upBytes: number;
  /** More upload bytes than announced: corruption. */
  overflow: boolean;
}

const BLOCK = randomBytes(64 * 1024);

/** Writes `size` bytes derived from (id, direction), in varied chunk sizes, with backpressure. */
function sendStream(socket: net.Socket, id: number, dir: number, size: number, hash: Hash, done: () => void): void {
  let sent = 0;
  let seq = 0;
  const more = () => {
    while (sent < size) {
      if (socket.destroyed || !socket.writable) return;
      const len = Math.min(size - sent, 1 + ((id * 7919 + seq * 104729) % BLOCK.length));
      const chunk = Buffer.from(BLOCK.subarray(0, len));
      // Stamp each chunk so that reordering, duplication or a mixed-up connection changes the hash.
      if (len >= 12) {
        chunk.writeUInt32BE(id, 0);
        chunk.writeUInt32BE(dir, 4);
        chunk.writeUInt32BE(seq, 8);
      }
      seq += 1;
      hash.update(chunk);
      sent += len;
      if (!socket.write(chunk)) {
        socket.once('drain', more);
        return;
      }
    }
    done();
  };
  more();
}

export interface CheckedServer extends TestServer {
  ledger: Map<number, LedgerEntry>;
  /** Connections whose header was not ours: corruption of the first bytes. */
  badHeaders(): number;
}

export async function startCheckedServer(host = '127.0.0.1'): Promise<CheckedServer> {
  const ledger = new Map<number, LedgerEntry>();
  let badHeaders = 0;
  const server = await serve((socket) => {
    let head = Buffer.alloc(0);
    let started = false;
    let id = 0;
    let mode: Mode = 'exchange';
    let upSize = 0;
    let downSize = 0;
    const upHash = createHash('sha256');
    let upDigest: Buffer | undefined;
    let downDone = false;
    let trailerSent = false;
    const entry: LedgerEntry = { upBytes: 0, overflow: false };

    const sendDown = (then: () => void) => {
      const hash = createHash('sha256');
      sendStream(socket, id, 2, downSize, hash, () => {
        entry.downHash = hash.digest('hex');
        downDone = true;
        then();
      });
    };
    const trailer = () => {
      if (trailerSent || !downDone || !upDigest) return;
      trailerSent = true;
      socket.write(upDigest);
      if (mode === 'client-fin') socket.end();
    };
    const consume = (chunk: Buffer) => {
      entry.upBytes += chunk.length;
      if (entry.upBytes > upSize) {
        entry.overflow = true;
        return;
      }
      upHash.update(chunk);
      if (entry.upBytes === upSize) finishUpload();
    };
    const finishUpload = () => {
      upDigest = upHash.digest();
      entry.upHash = upDigest.toString('hex');
      if (mode === 'exchange') trailer();
    };

    socket.on('data', (chunk: Buffer) => {
      if (started) return consume(chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < HEADER) return;
      if (head.readUInt32BE(0) !== MAGIC || head.readUInt8(8) >= MODES.length) {
        badHeaders += 1;
        socket.destroy();
        return;
      }
      started = true;
      id = head.readUInt32BE(4);
      mode = MODES[head.readUInt8(8)] as Mode;
      upSize = head.readUInt32BE(12);
      downSize = head.readUInt32BE(16);
      ledger.set(id, entry);
      const rest = head.subarray(HEADER);
      if (upSize === 0) finishUpload();
      if (rest.length > 0) consume(rest);
      if (mode === 'exchange') sendDown(trailer);
      else if (mode === 'server-fin') sendDown(() => socket.end());
    });
    socket.on('end', () => {
      if (mode === 'client-fin' && started && upDigest && !entry.overflow) sendDown(trailer);
      else if (mode !== 'server-fin') socket.end();
    });
  }, host);
  return Object.assign(server, { ledger, badHeaders: () => badHeaders });
}

export type Status = 'ok' | 'failed' | 'corrupt' | 'hung';

export interface Outcome {
  id: number;
  mode: Mode;
  status: Status;
  /** Why it failed or was judged corrupt. */
  detail: string;
  /** The client's local port: ptunnel's log line names it. */
  localPort: number;
  upHash: string;
  upSize: number;
  downSize: number;
}

/** One checked connection through `port`; never rejects. */
export function runConnection(
  port: number,
  ledger: Map<number, LedgerEntry>,
  spec: { id: number; mode: Mode; upSize: number; downSize: number },
  timeoutMs: number,
): Promise<Outcome> {
  const { id, mode, upSize, downSize } = spec;
  const withTrailer = mode !== 'server-fin';
  const expected = downSize + (withTrailer ? TRAILER : 0);
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const upHash = createHash('sha256');
    let upDigest = '';
    const downHash = createHash('sha256');
    let downDigest = '';
    const trailerParts: Buffer[] = [];
    let received = 0;
    let ended = false;
    let uploaded = false;
    let error: Error | undefined;
    let localPort = 0;
    const timer = setTimeout(() => {
      finish('hung', `no close after ${timeoutMs} ms (${received}/${expected} bytes in)`);
      socket.destroy();
    }, timeoutMs);
    let settled = false;
    const finish = (status: Status, detail: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ id, mode, status, detail, localPort, upHash: upDigest, upSize, downSize });
    };
    const upload = (then: () => void) =>
      sendStream(socket, id, 1, upSize, upHash, () => {
        upDigest = upHash.digest('hex');
        uploaded = true;
        then();
      });

    socket.once('connect', () => {
      localPort = socket.localPort ?? 0;
      const header = Buffer.alloc(HEADER);
      header.writeUInt32BE(MAGIC, 0);
      header.writeUInt32BE(id, 4);
      header.writeUInt8(MODES.indexOf(mode), 8);
      header.writeUInt32BE(upSize, 12);
      header.writeUInt32BE(downSize, 16);
      socket.write(header);
      if (mode === 'exchange') upload(() => undefined);
      else if (mode === 'client-fin') upload(() => socket.end());
    });
    socket.on('data', (chunk: Buffer) => {
      const before = received;
      received += chunk.length;
      if (received > expected) return; // judged at close
      const downPart = before < downSize ? chunk.subarray(0, downSize - before) : chunk.subarray(0, 0);
      if (downPart.length > 0) downHash.update(downPart);
      if (chunk.length > downPart.length) trailerParts.push(chunk.subarray(downPart.length));
      if (before < downSize && received >= downSize) downDigest = downHash.digest('hex');
      if (mode === 'exchange' && received === expected) socket.end();
    });
    socket.on('end', () => {
      ended = true;
      if (mode === 'server-fin') {
        if (received === downSize) upload(() => socket.end());
        else socket.end();
      } else if (mode === 'client-fin') {
        // Already ended our side.
      } else if (received < expected) socket.end();
    });
    socket.on('error', (err) => (error = err));
    socket.on('close', () => {
      if (downSize === 0 && !downDigest) downDigest = downHash.digest('hex');
      if (received > expected) return finish('corrupt', `${received} bytes in, ${expected} expected`);
      if (received < expected || !ended) {
        return finish('failed', `${error ? (error as NodeJS.ErrnoException).code ?? error.message : 'closed'} after ${received}/${expected} bytes in`);
      }
      const sent = ledger.get(id)?.downHash;
      if (downDigest !== sent) return finish('corrupt', `download sha256 ${downDigest} but the server sent ${sent}`);
      if (withTrailer) {
        const trailer = Buffer.concat(trailerParts).toString('hex');
        if (!uploaded) return finish('corrupt', 'the server confirmed an upload that was not finished');
        if (trailer !== upDigest) return finish('corrupt', `the server received upload sha256 ${trailer}, ${upDigest} was sent`);
        return finish('ok', error ? `complete, then ${error.message}` : '');
      }
      // server-fin: the upload went after the server's FIN; the ledger is checked at the end.
      if (!uploaded || error) return finish('failed', `upload ${uploaded ? 'sent' : 'not sent'}${error ? `, ${error.message}` : ''}`);
      return finish('ok', '');
    });
  });
}
