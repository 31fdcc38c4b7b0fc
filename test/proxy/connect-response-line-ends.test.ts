import { ConnectResponse, ConnectResponseParser } from '../../src/proxy/connect-response';
import { PtunnelError } from '../../src/errors';

/** Pushes `text` one byte at a time; the answer, the error, or undefined while it still waits. */
function byteByByte(text: string): ConnectResponse | PtunnelError | undefined {
  const parser = new ConnectResponseParser();
  try {
    const bytes = Buffer.from(text, 'latin1');
    for (let i = 0; i < bytes.length; i++) {
      const res = parser.push(bytes.subarray(i, i + 1));
      // The bytes not yet pushed follow the head too.
      if (res) return { ...res, rest: Buffer.concat([res.rest, bytes.subarray(i + 1)]) };
    }
  } catch (err) {
    return err as PtunnelError;
  }
  return undefined;
}

describe('line ends in the CONNECT answer (RFC 9112 §2.2)', () => {
  // A bare CR is never valid; nothing after it can make the head right, so waiting is wrong.
  it.each([
    ['HTTP/1.1 200 OK\r\r\r', '"HTTP/1.1 200 OK\\r\\r'],
    ['HTTP/1.1 200 OK\r\r\n\r\n', '"HTTP/1.1 200 OK\\r\\r'],
    ['HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n', '"X-A: a\\rb'],
    ['HTTP/1.1 200 OK\rX-A: b\r\n\r\n', '"HTTP/1.1 200 OK\\rX'],
  ])('%j: a protocol error before any blank line, showing the bytes escaped', (text, shown) => {
    const err = byteByByte(text) as PtunnelError;
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err.code).toBe('ERR_PROXY_PROTOCOL');
    expect(err.message).toMatch(/CR not followed by LF/);
    expect(err.message).toContain(shown);
    expect(err.message).not.toMatch(/[\r\n]/);
  });

  it('fails on the bare CR itself, without waiting for more bytes', () => {
    const parser = new ConnectResponseParser();
    expect(parser.push(Buffer.from('HTTP/1.1 200 OK\r'))).toBeUndefined(); // a CRLF may still come
    expect(() => parser.push(Buffer.from('\r'))).toThrow(/CR not followed by LF/);
  });

  it('cuts a long line in the message to about 80 characters', () => {
    const err = byteByByte(`HTTP/1.1 200 ${'x'.repeat(500)}\r\r`) as PtunnelError;
    expect(err.message).toMatch(/x\.\.\."$/);
    expect(err.message.length).toBeLessThan(200);
  });

  it.each([
    ['a bare LF after a header, then CRLF', 'HTTP/1.1 200 OK\r\nA: b\n\r\nX'],
    ['bare LF throughout', 'HTTP/1.1 200 OK\nA: b\n\nX'],
    ['CRLF after the status line, LF LF at the end', 'HTTP/1.1 200 OK\r\nA: b\n\nX'],
    ['bare LF after the status line, CRLF after', 'HTTP/1.1 200 OK\nA: b\r\n\r\nX'],
  ])('%s: accepted (a recipient may take a bare LF as a line end)', (_name, text) => {
    expect(byteByByte(text)).toMatchObject({ statusCode: 200, headers: { a: 'b' }, rest: Buffer.from('X') });
  });

  it('refuses an answer that starts with an empty line', () => {
    expect((byteByByte('\r\nHTTP/1.1 200 OK\r\n\r\n') as PtunnelError).message).toMatch(/not HTTP|empty line/);
  });
});
