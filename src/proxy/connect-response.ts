import { PtunnelError } from '../errors';
import { shownBytes } from './shown';

export interface ConnectResponse {
  httpVersion: string;
  statusCode: number;
  reason: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The status line as received, for logs. */
  statusLine: string;
  /** Bytes after the blank line: they belong to the server (a banner) and go to the client. */
  rest: Buffer;
}

export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;

const STATUS_LINE = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/;

function protocolError(message: string): PtunnelError {
  return new PtunnelError('ERR_PROXY_PROTOCOL', message);
}

/** The answer's `rest` when nothing followed it, and the parser's buffer before its first push: never written to. */
const NOTHING = Buffer.alloc(0);
const CR = 0x0d;
const LF = 0x0a;
/** A 1xx other than this is an interim answer: skip it and read on (RFC 9110 §15.2). */
const SWITCHING_PROTOCOLS = 101;

/**
 * Incremental parser for the proxy's answer to CONNECT. Feed it the bytes as they arrive, split
 * anywhere; it returns the final answer once its blank line is in, with whatever followed it.
 *
 * Interim 1xx answers (100 Continue, 102, 103 Early Hints...) are skipped until the final one
 * (RFC 9110 §15.2). 101 Switching Protocols is not skipped: after it the connection speaks
 * another protocol, and a CONNECT that offered no Upgrade must not get one (RFC 9110 §7.8), so
 * it is returned as the answer and the connector refuses it.
 *
 * Line ends (RFC 9112 §2.2): CRLF, or a bare LF, which the RFC lets a recipient accept and many
 * proxies' clients do; a head may mix them (`A: b\n\r\n` ends the head). A bare CR is refused
 * at once rather than replaced by SP: a proxy that sends one is broken, and waiting for a CRLF
 * that never comes would turn its answer into a timeout that blames the network.
 *
 * It never holds more than `maxHeaderBytes`, counted over all the answers together (a proxy
 * streaming 1xx forever hits the bound), and it fails fast on an answer that is not HTTP.
 */
export class ConnectResponseParser {
  /**
   * Until the first push, nothing; while that push is scanned, the chunk itself (an answer that
   * comes whole, as nearly every 2xx does, is parsed without a copy or a buffer of its own); after
   * it, a copy: the chunk's memory may be a reused read buffer (net/reused-reads).
   */
  private buf: Buffer = NOTHING;
  private len = 0;
  private done = false;
  /** Where the answer being read starts (after any interim answers). */
  private start = 0;
  /** Where its current line starts, and the next byte to look at. */
  private lineStart = 0;
  private scan = 0;
  private interim = 0;

  constructor(private readonly maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES) {}

  /** Returns the final answer when complete, undefined when more bytes are needed; throws on garbage. */
  push(chunk: Buffer): ConnectResponse | undefined {
    if (this.done) throw new Error('ConnectResponseParser used after completion');
    const room = this.maxHeaderBytes - this.len;
    const take = Math.min(chunk.length, room);
    if (this.len === 0) this.buf = chunk;
    else {
      this.ensure(this.len + take);
      chunk.copy(this.buf, this.len, 0, take);
    }
    this.len += take;
    try {
      return this.scanAnswers(chunk, take);
    } finally {
      // Nothing of a chunk scanned in place is kept past its push, answer or error alike.
      if (this.buf === chunk) this.buf = this.done ? NOTHING : this.ownCopy(this.len);
    }
  }

  private scanAnswers(chunk: Buffer, take: number): ConnectResponse | undefined {
    for (;;) {
      const headEnd = this.findHeadEnd();
      if (headEnd < 0) break;
      const res = parseHead(this.buf.toString('latin1', this.start, headEnd));
      this.start = this.scan;
      if (res.statusCode >= 100 && res.statusCode < 200 && res.statusCode !== SWITCHING_PROTOCOLS) {
        this.interim += 1;
        continue;
      }
      this.done = true;
      // Whatever followed the blank line, in this buffer and in the unconsumed part of the chunk;
      // a copy, as the chunk's memory may be read into again.
      const tailInBuf = this.buf.subarray(this.scan, this.len);
      if (take < chunk.length) res.rest = Buffer.concat([tailInBuf, chunk.subarray(take)]);
      else if (tailInBuf.length > 0) res.rest = Buffer.from(tailInBuf);
      return res;
    }
    this.checkPrefix();
    if (take < chunk.length || this.len >= this.maxHeaderBytes) {
      const after = this.interim > 0 ? ` (over ${this.interim + 1} answers, ${this.interim} of them interim 1xx)` : '';
      throw protocolError(`proxy answer headers exceed ${this.maxHeaderBytes} bytes${after}`);
    }
    return undefined;
  }

  /** The bytes of the answer read so far and not yet complete: for a message when it never completes. */
  partial(): Buffer {
    return this.done ? NOTHING : this.buf.subarray(this.start, this.len);
  }

  /**
   * Scans on from where the last push stopped; returns the offset where the blank line of the
   * current answer starts (the head is before it, the bytes after `scan` follow it), or -1.
   */
  private findHeadEnd(): number {
    const { buf } = this;
    while (this.scan < this.len) {
      const c = buf[this.scan] as number;
      let lineEnd: number;
      if (c === LF) {
        lineEnd = this.scan;
        this.scan += 1;
      } else if (c === CR) {
        if (this.scan + 1 >= this.len) return -1;
        if (buf[this.scan + 1] !== LF) {
          throw protocolError(
            `proxy answer has a CR not followed by LF, which HTTP does not allow: ${shownBytes(buf.subarray(this.lineStart, this.len))}`,
          );
        }
        lineEnd = this.scan;
        this.scan += 2;
      } else {
        this.scan += 1;
        continue;
      }
      const empty = lineEnd === this.lineStart;
      const blankAt = this.lineStart;
      this.lineStart = this.scan;
      if (empty) {
        // An answer must have a status line before its blank line.
        if (blankAt === this.start) {
          throw protocolError(`proxy answer starts with an empty line: ${shownBytes(buf.subarray(this.start, this.len))}`);
        }
        return blankAt;
      }
    }
    return -1;
  }

  private checkPrefix(): void {
    const n = Math.min(this.len - this.start, 5);
    if (this.buf.subarray(this.start, this.start + n).toString('latin1') !== 'HTTP/'.slice(0, n)) {
      throw protocolError(`proxy answered with something that is not HTTP: ${shownBytes(this.buf.subarray(this.start, this.len))}`);
    }
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    this.buf = this.ownCopy(Math.max(size, this.buf.length * 2));
  }

  /** What is held so far, in a new buffer of the parser's own: at least `size` bytes (1 KiB), within the bound. */
  private ownCopy(size: number): Buffer {
    const own = Buffer.allocUnsafe(Math.min(this.maxHeaderBytes, Math.max(1024, size)));
    this.buf.copy(own, 0, 0, this.len);
    return own;
  }
}

/** Header lines after the start line: names in lower case, repeated headers joined with ", ". */
export function parseHeaderLines(lines: readonly string[], sender = 'proxy'): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw protocolError(`${sender} sent an invalid header line: ${shownBytes(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return headers;
}

/** Whether a comma-separated header value (Connection, Proxy-Connection) holds `token`. */
export function hasToken(value: string | undefined, token: string): boolean {
  return (value ?? '').split(',').some((t) => t.trim().toLowerCase() === token);
}

/** A head up to its blank line, each line with its end; `rest` is for the caller to fill in. */
function parseHead(head: string): ConnectResponse {
  // Bare CRs were refused while scanning, so every CR here is part of a CRLF; the last line's
  // end leaves an empty string behind.
  const lines = head.split(/\r?\n/);
  lines.pop();
  const statusLine = lines[0] ?? '';
  const m = STATUS_LINE.exec(statusLine);
  if (!m) throw protocolError(`proxy sent an invalid status line: ${shownBytes(statusLine)}`);
  return {
    httpVersion: m[1] as string,
    statusCode: Number(m[2]),
    reason: (m[3] ?? '').trim(),
    headers: parseHeaderLines(lines.slice(1)),
    statusLine,
    rest: NOTHING,
  };
}
