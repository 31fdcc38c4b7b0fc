import { endToEnd, framingRefusal } from '../../../src/listeners/http/request';

describe('headers passed on', () => {
  it('drops hop-by-hop headers, those Connection names, and the client\'s Proxy-* headers; keeps order and case', () => {
    const raw = [
      'Host', 'example.com',
      'User-Agent', 'curl/8',
      'Proxy-Authorization', 'Basic Y2xpZW50OnNlY3JldA==',
      'Proxy-Connection', 'Keep-Alive',
      'Connection', 'keep-alive, X-Hop',
      'X-Hop', 'private',
      'Keep-Alive', 'timeout=5',
      'TE', 'trailers',
      'Trailer', 'X-Sum',
      'Upgrade', 'h2c',
      'Transfer-Encoding', 'chunked',
      'Expect', '100-continue',
      'Accept', '*/*',
      'cookie', 'a=1',
      'Cookie', 'b=2',
    ];
    expect(endToEnd(raw)).toEqual([
      ['User-Agent', 'curl/8'],
      ['Accept', '*/*'],
      ['cookie', 'a=1'],
      ['Cookie', 'b=2'],
    ]);
  });
});

describe('request framing', () => {
  it.each(['gzip, chunked', 'gzip', 'chunked, chunked', 'identity'])('Transfer-Encoding: %s gets 501', (te) => {
    expect(framingRefusal({ 'transfer-encoding': te })?.status).toBe(501);
  });

  it('a request line without a version (HTTP/0.9 to llhttp: CR/LF cut the URI short) gets 400', () => {
    expect(framingRefusal({}, 0)?.text).toMatch(/ends with its version/);
  });

  it('chunked alone, any case, or no Transfer-Encoding passes', () => {
    expect(framingRefusal({ 'transfer-encoding': 'Chunked' })).toBeUndefined();
    expect(framingRefusal({ 'content-length': '3' })).toBeUndefined();
  });
});
