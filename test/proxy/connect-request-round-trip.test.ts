import fc from 'fast-check';
import { buildConnectRequest, ConnectRequest, parseConnectRequest } from '../../src/proxy/connect-request';

const head = (bytes: Buffer) => {
  const text = bytes.toString('latin1');
  expect(text.endsWith('\r\n\r\n')).toBe(true);
  return text.slice(0, -4);
};
const build = (r: ConnectRequest) => buildConnectRequest(r.host, r.port, r.authorization, { keepAlive: r.keepAlive });

describe('the CONNECT request, built and read back', () => {
  it.each<[string, ConnectRequest, string]>([
    ['a name', { host: 'imap.gmail.com', port: 993 }, 'CONNECT imap.gmail.com:993 HTTP/1.1\r\nHost: imap.gmail.com:993\r\n\r\n'],
    [
      'IPv6 with Basic',
      { host: '2001:db8::1', port: 22, authorization: 'Basic eDp5' },
      'CONNECT [2001:db8::1]:22 HTTP/1.1\r\nHost: [2001:db8::1]:22\r\nProxy-Authorization: Basic eDp5\r\n\r\n',
    ],
    [
      'a connection-bound round',
      { host: '10.0.0.7', port: 587, authorization: 'NTLM TlRMTVNTUAABAAAA', keepAlive: true },
      'CONNECT 10.0.0.7:587 HTTP/1.1\r\nHost: 10.0.0.7:587\r\nProxy-Authorization: NTLM TlRMTVNTUAABAAAA\r\nProxy-Connection: keep-alive\r\n\r\n',
    ],
  ])('%s: build -> bytes -> parse -> build', (_name, request, bytes) => {
    const built = build(request);
    expect(built.toString('latin1')).toBe(bytes);
    const parsed = parseConnectRequest(head(built));
    expect(parsed).toEqual(request);
    expect(build(parsed).equals(built)).toBe(true);
  });

  it('round-trips any valid target, port and header value', () => {
    const target = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
    const token = fc.stringMatching(/^[A-Za-z0-9+/=]{1,40}$/);
    fc.assert(
      fc.property(target, fc.integer({ min: 1, max: 65535 }), fc.option(token, { nil: undefined }), fc.boolean(), (host, port, credentials, keepAlive) => {
        const request: ConnectRequest = { host: host.toLowerCase(), port };
        if (credentials !== undefined) request.authorization = `Negotiate ${credentials}`;
        if (keepAlive) request.keepAlive = true;
        const built = build(request);
        const parsed = parseConnectRequest(head(built));
        expect(parsed).toEqual(request);
        expect(build(parsed).equals(built)).toBe(true);
      }),
    );
  });

  it.each([
    ['GET / HTTP/1.1\r\nHost: x'],
    ['CONNECT imap.gmail.com HTTP/1.1'],
    ['CONNECT [::1:993 HTTP/1.1'],
    ['CONNECT imap.gmail.com:99999 HTTP/1.1'],
    ['CONNECT bad_host!:993 HTTP/1.1'],
    ['CONNECT imap.gmail.com:993 HTTP/1.1\r\nno colon'],
  ])('refuses %j with ERR_PROXY_PROTOCOL', (text) => {
    expect(() => parseConnectRequest(text)).toThrow(expect.objectContaining({ code: 'ERR_PROXY_PROTOCOL' }));
  });
});
