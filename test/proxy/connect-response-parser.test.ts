import { buildConnectRequest } from '../../src/proxy/connect-request';
import { ConnectResponse, ConnectResponseParser } from '../../src/proxy/connect-response';
import { PtunnelError } from '../../src/errors';

/** Feeds `bytes` to a fresh parser in the given chunk sizes; returns the answer or the error. */
function feed(bytes: Buffer, sizes: (i: number) => number, max?: number): ConnectResponse | PtunnelError | undefined {
  const parser = new ConnectResponseParser(max);
  let offset = 0;
  for (let i = 0; offset < bytes.length; i++) {
    const n = Math.max(1, sizes(i));
    try {
      const res = parser.push(bytes.subarray(offset, offset + n));
      offset += n;
      if (res) {
        // Bytes not yet fed belong to the server too.
        return { ...res, rest: Buffer.concat([res.rest, bytes.subarray(offset)]) };
      }
    } catch (err) {
      return err as PtunnelError;
    }
  }
  return undefined;
}

const banner = Buffer.from('220 smtp.example.com ESMTP ready\r\n');
const answer = Buffer.concat([
  Buffer.from('HTTP/1.1 200 Connection established\r\nVia: 1.1 squid\r\nX-Two: a\r\nX-Two: b\r\n\r\n'),
  banner,
]);

describe('the CONNECT answer parser', () => {
  it('parses status, headers and keeps the bytes after the blank line, whatever the split', () => {
    const splits: Array<[string, (i: number) => number]> = [
      ['whole', () => answer.length],
      ['byte by byte', () => 1],
      ['pairs', () => 2],
      ['threes', () => 3],
      ['odd', (i) => [5, 1, 17, 2, 40][i % 5] as number],
    ];
    for (const [, split] of splits) {
      const res = feed(answer, split) as ConnectResponse;
      expect(res).toMatchObject({ statusCode: 200, httpVersion: '1.1', reason: 'Connection established' });
      expect(res.headers).toEqual({ via: '1.1 squid', 'x-two': 'a, b' });
      expect(res.rest.equals(banner)).toBe(true);
    }
  });

  it('finds the end of the head at every possible split point', () => {
    for (let cut = 1; cut < answer.length; cut++) {
      const parser = new ConnectResponseParser();
      const first = parser.push(answer.subarray(0, cut));
      const res = first ?? parser.push(answer.subarray(cut));
      expect(res?.statusCode).toBe(200);
      const rest = first ? Buffer.concat([first.rest, answer.subarray(cut)]) : (res as ConnectResponse).rest;
      expect(rest.equals(banner)).toBe(true);
    }
  });

  it('accepts bare LF line ends and a status line without a reason', () => {
    expect(feed(Buffer.from('HTTP/1.0 200\n\nX'), () => 1)).toMatchObject({ statusCode: 200, reason: '', rest: Buffer.from('X') });
  });

  it('reports non-2xx answers as parsed answers (the connector decides)', () => {
    expect(feed(Buffer.from('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="x"\r\n\r\n'), () => 7)).toMatchObject({
      statusCode: 407,
      headers: { 'proxy-authenticate': 'Basic realm="x"' },
    });
  });

  it('fails fast on an answer that is not HTTP, before any blank line arrives', () => {
    const parser = new ConnectResponseParser();
    expect(() => parser.push(Buffer.from('SSH-2'))).toThrow(/not HTTP/);
    expect(() => new ConnectResponseParser().push(Buffer.from('\x16\x03\x01'))).toThrow(/not HTTP/);
  });

  it.each([
    ['HTTP/1.1 2000 OK\r\n\r\n', /invalid status line/],
    ['HTTP/1.1 OK\r\n\r\n', /invalid status line/],
    ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /invalid header line/],
  ])('rejects %j with ERR_PROXY_PROTOCOL', (text, message) => {
    const err = feed(Buffer.from(text), () => 4) as PtunnelError;
    expect(err).toBeInstanceOf(PtunnelError);
    expect(err.code).toBe('ERR_PROXY_PROTOCOL');
    expect(err.message).toMatch(message);
  });

  it('refuses a head larger than the bound, however it is split', () => {
    const huge = Buffer.from(`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    for (const size of [1, 1000, huge.length]) {
      const err = feed(huge, () => size) as PtunnelError;
      expect(err.code).toBe('ERR_PROXY_PROTOCOL');
      expect(err.message).toMatch(/exceed 16384 bytes/);
    }
    const small = feed(Buffer.from(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}\r\n\r\n`), () => 9, 64) as PtunnelError;
    expect(small.message).toMatch(/exceed 64 bytes/);
  });
});

describe('the CONNECT request', () => {
  it('names the target in the request line and the Host header, IPv6 in brackets', () => {
    expect(buildConnectRequest('imap.gmail.com', 993).toString()).toBe(
      'CONNECT imap.gmail.com:993 HTTP/1.1\r\nHost: imap.gmail.com:993\r\n\r\n',
    );
    expect(buildConnectRequest('2001:db8::1', 22, 'Basic eDp5').toString()).toBe(
      'CONNECT [2001:db8::1]:22 HTTP/1.1\r\nHost: [2001:db8::1]:22\r\nProxy-Authorization: Basic eDp5\r\n\r\n',
    );
  });
});
