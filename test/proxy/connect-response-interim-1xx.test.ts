import { ConnectResponse, ConnectResponseParser } from '../../src/proxy/connect-response';
import { PtunnelError } from '../../src/errors';

const banner = Buffer.from('SSH-2.0-server\r\n');
const final = 'HTTP/1.1 200 Connection established\r\nVia: 1.1 test\r\n\r\n';

/** Feeds `bytes` cut at `cut` (two pushes); the answer with every byte after its head, or the error. */
function feedCut(bytes: Buffer, cut: number, max?: number): { res?: ConnectResponse; rest?: Buffer; err?: PtunnelError } {
  const parser = new ConnectResponseParser(max);
  try {
    const first = parser.push(bytes.subarray(0, cut));
    if (first) return { res: first, rest: Buffer.concat([first.rest, bytes.subarray(cut)]) };
    const res = parser.push(bytes.subarray(cut));
    return res ? { res, rest: res.rest } : {};
  } catch (err) {
    return { err: err as PtunnelError };
  }
}

describe('interim 1xx answers to CONNECT (RFC 9110 §15.2)', () => {
  it.each([
    ['100 then 200', `HTTP/1.1 100 Continue\r\n\r\n${final}`],
    ['100, 102, 103 then 200', `HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\n${final}`],
    ['100 with bare LF line ends, then 200', `HTTP/1.1 100 Continue\n\n${final}`],
  ])('%s: the 200 is the answer and the banner follows it, at every split point', (_name, text) => {
    const bytes = Buffer.concat([Buffer.from(text), banner]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { res, rest, err } = feedCut(bytes, cut);
      expect(err).toBeUndefined();
      expect(res).toMatchObject({ statusCode: 200, reason: 'Connection established', headers: { via: '1.1 test' } });
      expect(rest?.toString()).toBe(banner.toString());
    }
  });

  it('byte by byte', () => {
    const bytes = Buffer.from(`HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n${final}X`);
    const parser = new ConnectResponseParser();
    let i = 0;
    let res: ConnectResponse | undefined;
    while (!res) res = parser.push(bytes.subarray(i, ++i));
    expect(res.statusCode).toBe(200);
    expect(bytes.subarray(i).toString()).toBe('X');
  });

  it('keeps the header bound over all the answers together: endless 1xx is a protocol error at the bound', () => {
    const parser = new ConnectResponseParser();
    const one = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n');
    let fed = 0;
    let error: PtunnelError | undefined;
    try {
      for (; fed < 1_000_000; fed += one.length) parser.push(one);
    } catch (err) {
      error = err as PtunnelError;
    }
    expect(error).toBeInstanceOf(PtunnelError);
    expect(error?.code).toBe('ERR_PROXY_PROTOCOL');
    expect(error?.message).toMatch(/exceed 16384 bytes .*interim 1xx/);
    expect(fed).toBeLessThanOrEqual(16 * 1024);
    expect(fed).toBeGreaterThan(16 * 1024 - 2 * one.length);
  });

  it('does not skip 101 Switching Protocols: it is returned as the answer, for the connector to refuse', () => {
    const { res, rest } = feedCut(Buffer.from('HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\nPRI *'), 10);
    expect(res?.statusCode).toBe(101);
    expect(rest?.toString()).toBe('PRI *');
  });

  it('checks that each answer after an interim one is HTTP too', () => {
    expect(feedCut(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nSSH-2.0-x\r\n'), 3).err?.message).toMatch(/not HTTP: "SSH-2/);
  });
});
