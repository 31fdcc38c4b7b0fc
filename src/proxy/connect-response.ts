import { PtunnelError } from '../errors';

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

/**
 * Incremental parser for the proxy's answer to CONNECT. Feed it the bytes as they arrive, split
 * anywhere; it returns the answer once the blank line is in, with whatever followed it. It never
 * holds more than `maxHeaderBytes`, and it fails fast on a first line that is not HTTP.
 */
export class ConnectResponseParser {
  private buf: Buffer;
  private len = 0;
  private done = false;
  /** Length of the blank-line terminator found: 4 for CRLF CRLF, 2 for a bare LF LF. */
  private terminator = 4;

  constructor(private readonly maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.min(1024, maxHeaderBytes));
  }

  /** Returns the answer when complete, undefined when more bytes are needed; throws on garbage. */
  push(chunk: Buffer): ConnectResponse | undefined {
    if (this.done) throw new Error('ConnectResponseParser used after completion');
    const searchFrom = Math.max(0, this.len - 3);
    const room = this.maxHeaderBytes - this.len;
    const take = Math.min(chunk.length, room);
    this.ensure(this.len + take);
    chunk.copy(this.buf, this.len, 0, take);
    this.len += take;
    const end = this.findEnd(searchFrom);
    if (end < 0) {
      this.checkPrefix();
      if (take < chunk.length || this.len >= this.maxHeaderBytes) {
        throw protocolError(`proxy answer headers exceed ${this.maxHeaderBytes} bytes`);
      }
      return undefined;
    }
    this.done = true;
    const head = this.buf.subarray(0, end).toString('latin1');
    const headEnd = end + this.terminator;
    // Whatever followed the blank line, in this buffer and in the unconsumed part of the chunk.
    const tailInBuf = this.buf.subarray(headEnd, this.len);
    const rest = take < chunk.length ? Buffer.concat([tailInBuf, chunk.subarray(take)]) : Buffer.from(tailInBuf);
    return parseHead(head, rest);
  }

  private findEnd(from: number): number {
    const view = this.buf.subarray(0, this.len);
    const crlf = view.indexOf('\r\n\r\n', from, 'latin1');
    const lf = view.indexOf('\n\n', from, 'latin1');
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      this.terminator = 4;
      return crlf;
    }
    if (lf >= 0) {
      this.terminator = 2;
      return lf;
    }
    return -1;
  }

  private checkPrefix(): void {
    const n = Math.min(this.len, 5);
    if (this.buf.subarray(0, n).toString('latin1') !== 'HTTP/'.slice(0, n)) {
      throw protocolError(`proxy answered with something that is not HTTP: ${printable(this.buf.subarray(0, Math.min(this.len, 40)))}`);
    }
  }

  private ensure(size: number): void {
    if (size <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.min(this.maxHeaderBytes, Math.max(size, this.buf.length * 2)));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
}

function printable(bytes: Buffer): string {
  return JSON.stringify(bytes.toString('latin1').replace(/[^\x20-\x7e]/g, '.'));
}

/** Header lines after the start line: names in lower case, repeated headers joined with ", ". */
export function parseHeaderLines(lines: readonly string[], sender = 'proxy'): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw protocolError(`${sender} sent an invalid header line: ${printable(Buffer.from(line.slice(0, 80), 'latin1'))}`);
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

function parseHead(head: string, rest: Buffer): ConnectResponse {
  const lines = head.split(/\r?\n/);
  const statusLine = lines[0] ?? '';
  const m = STATUS_LINE.exec(statusLine);
  if (!m) throw protocolError(`proxy sent an invalid status line: ${printable(Buffer.from(statusLine.slice(0, 80), 'latin1'))}`);
  return {
    httpVersion: m[1] as string,
    statusCode: Number(m[2]),
    reason: (m[3] ?? '').trim(),
    headers: parseHeaderLines(lines.slice(1)),
    statusLine,
    rest,
  };
}
