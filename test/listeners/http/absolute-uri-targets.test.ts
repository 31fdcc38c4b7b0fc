import { absoluteTarget, connectTarget } from '../../../src/listeners/http/request';

describe('absolute-URI request targets', () => {
  it.each([
    ['http://example.com/a?b=1', { host: 'example.com', port: 80, path: '/a?b=1', authority: 'example.com' }],
    ['http://Example.COM:8080', { host: 'example.com', port: 8080, path: '/', authority: 'Example.COM:8080' }],
    ['HTTP://[::1]:81/x#frag', { host: '::1', port: 81, path: '/x', authority: '[::1]:81' }],
    ['http://10.0.0.1?q', { host: '10.0.0.1', port: 80, path: '/?q', authority: '10.0.0.1' }],
  ])('%s is forwarded to its host, port and origin-form path', (url, expected) => {
    expect(absoluteTarget(url)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['/', /this is a proxy: use absolute URIs/],
    ['*', /this is a proxy: use absolute URIs/],
    ['https://example.com/', /https:\/\/ goes through CONNECT/],
    ['ftp://example.com/', /http:\/\/ only, not ftp/],
    ['http://user:pw@example.com/', /user:password@/],
    ['http://exa mple.com/', /no valid host/],
    ['http://a%0d%0ab/', /no valid host/],
    ['http://example.com:99999/', /out of range/],
    ['http://example.com:0/', /out of range/],
    ['http://example.com:x/', /no number/],
    ['http://[example.com]/', /in brackets, and only an IPv6/],
    ['http:///path', /no valid host/],
    ['example.com/x', /no absolute http/],
  ])('%s is refused with 400 and a reason', (url, reason) => {
    const checked = absoluteTarget(url);
    expect(checked.ok).toBe(false);
    if (!checked.ok) {
      expect(checked.refusal.status).toBe(400);
      expect(checked.refusal.text).toMatch(reason);
    }
  });
});

describe('CONNECT targets', () => {
  it('takes host:port and [v6]:port', () => {
    expect(connectTarget('Mail.Example.com:993')).toEqual({ ok: true, value: { host: 'mail.example.com', port: 993 } });
    expect(connectTarget('[2001:db8::1]:443')).toEqual({ ok: true, value: { host: '2001:db8::1', port: 443 } });
  });

  it.each(['example.com', 'example.com:', ':443', 'a\rb:443', 'example.com:65536', '2001:db8::1:443', 'http://example.com:443'])('refuses %j', (url) => {
    const checked = connectTarget(url);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.refusal.status).toBe(400);
  });
});
