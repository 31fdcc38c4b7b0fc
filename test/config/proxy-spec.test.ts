import { describeProxy, parseProxySpec } from '../../src/config/proxy-spec';
import { redactProxyText } from '../../src/log/redact';
import { PtunnelError } from '../../src/errors';

function rejects(spec: string): PtunnelError {
  try {
    parseProxySpec(spec);
  } catch (err) {
    return err as PtunnelError;
  }
  throw new Error(`expected ${spec} to be rejected`);
}

describe('proxy specs', () => {
  it('reads HOST:PORT as plain HTTP (the original -p form)', () => {
    expect(parseProxySpec('proxy.corp:3128')).toEqual({ protocol: 'http', host: 'proxy.corp', port: 3128 });
    expect(parseProxySpec('[2001:db8::2]:8080')).toEqual({ protocol: 'http', host: '2001:db8::2', port: 8080 });
  });

  it('reads http and https URLs with default ports and percent-decoded credentials', () => {
    expect(parseProxySpec('http://proxy.corp')).toEqual({ protocol: 'http', host: 'proxy.corp', port: 80 });
    expect(parseProxySpec('https://proxy.corp/')).toEqual({ protocol: 'https', host: 'proxy.corp', port: 443 });
    expect(parseProxySpec('http://al%40ice:p%3Ass%20w@proxy.corp:3128')).toEqual({
      protocol: 'http',
      host: 'proxy.corp',
      port: 3128,
      username: 'al@ice',
      password: 'p:ss w',
    });
  });

  it.each([
    ['socks5://proxy:1080', /scheme "socks5:" is not supported/],
    ['http://proxy:3128/path', /must not have a path/],
    ['proxy', /is not valid; write HOST:PORT/],
    ['proxy:99999', /out of range/],
    ['http://', /not a valid URL/],
  ])('rejects %s with a one-line message', (spec, message) => {
    const err = rejects(spec);
    expect(err.code).toBe('ERR_PROXY_SPEC');
    expect(err.userError).toBe(true);
    expect(err.message).toMatch(message);
  });

  it('never repeats a password in its error messages or descriptions', () => {
    expect(rejects('http://bob:hunter2@proxy:3128/x').message).not.toContain('hunter2');
    expect(describeProxy(parseProxySpec('http://bob:hunter2@proxy:3128'))).toBe('http://bob:***@proxy:3128');
    expect(redactProxyText('via https://u:s3cr%40t@p.example:443 and http://x@y')).toBe(
      'via https://u:***@p.example:443 and http://x@y',
    );
  });
});

describe('password redaction in text', () => {
  it.each([
    ['proxy "user:s3cret@proxy.corp:3128" is not valid', 'proxy "user:***@proxy.corp:3128" is not valid'],
    ['http://user:pa/ss@proxy.corp:3128', 'http://user:***@proxy.corp:3128'],
    ['http://user:se@cret@proxy.corp:3128 x', 'http://user:***@proxy.corp:3128 x'],
    ['https_proxy=http://u:p:q@h:1', 'https_proxy=http://u:***@h:1'],
    ['mail alice@example.com', 'mail alice@example.com'],
    ['no at sign: http://host:1/path', 'no at sign: http://host:1/path'],
  ])('%j', (input, output) => {
    expect(redactProxyText(input)).toBe(output);
  });

  it('keeps passwords out of proxy spec errors however they are written', () => {
    for (const spec of ['user:s3cret@proxy.corp:3128', 'http://user:pa/s3cret@proxy.corp:3128/x', 'http://user:se@s3cret@proxy corp:1']) {
      expect(rejects(spec).message).not.toContain('s3cret');
    }
  });
});
