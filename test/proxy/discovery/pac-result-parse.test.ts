import { parsePacResult } from '../../../src/proxy/discovery/pac-result';

describe("FindProxyForURL's answer", () => {
  it('reads PROXY, HTTPS, SOCKS and DIRECT entries in order', () => {
    expect(parsePacResult('PROXY a.corp:3128; HTTPS b.corp:443;SOCKS5 c:1080 ; DIRECT')).toEqual([
      { kind: 'proxy', endpoint: { protocol: 'http', host: 'a.corp', port: 3128 }, text: 'PROXY a.corp:3128' },
      { kind: 'proxy', endpoint: { protocol: 'https', host: 'b.corp', port: 443 }, text: 'HTTPS b.corp:443' },
      { kind: 'socks', text: 'SOCKS5 c:1080' },
      { kind: 'direct' },
    ]);
  });

  it.each([
    [undefined, /returned undefined, not a string/],
    ['', /no entry; a PAC file says DIRECT/],
    ['PROXY', /entry "PROXY" is not PROXY host:port/],
    ['FTP a:1', /entry "FTP a:1" is not/],
    ['PROXY a:99999', /is not a valid URL/],
    ['PROXY a:1\nDIRECT x', /\\n/],
  ])('refuses %p with one line, never taking it for DIRECT', (result, message) => {
    expect(() => parsePacResult(result)).toThrow(message);
    try {
      parsePacResult(result);
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      expect((err as { code: string }).code).toBe('ERR_PAC');
    }
  });
});
