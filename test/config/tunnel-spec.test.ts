import { parseTunnelSpec } from '../../src/config/tunnel-spec';
import { PtunnelError } from '../../src/errors';

function specError(spec: string): PtunnelError {
  try {
    parseTunnelSpec(spec);
  } catch (err) {
    return err as PtunnelError;
  }
  throw new Error(`expected ${JSON.stringify(spec)} to be rejected`);
}

describe('tunnel specs', () => {
  it('reads LOCAL_PORT:HOST:PORT', () => {
    expect(parseTunnelSpec('9993:imap.gmail.com:993')).toEqual({
      localPort: 9993,
      host: 'imap.gmail.com',
      port: 993,
      source: '9993:imap.gmail.com:993',
    });
  });

  it('reads BIND_ADDR:LOCAL_PORT:HOST:PORT, with IPv6 in brackets on either side', () => {
    expect(parseTunnelSpec('0.0.0.0:2525:smtp.example.com:25')).toMatchObject({ listenHost: '0.0.0.0', localPort: 2525 });
    expect(parseTunnelSpec('9993:[2001:db8::1]:993')).toMatchObject({ host: '2001:db8::1', port: 993 });
    expect(parseTunnelSpec('[::1]:9993:[2001:DB8::1]:993')).toMatchObject({ listenHost: '::1', host: '2001:db8::1' });
  });

  it('lower-cases host names and drops a trailing dot', () => {
    expect(parseTunnelSpec('1:IMAP.Example.COM.:2').host).toBe('imap.example.com');
  });

  it('accepts local port 0 (any free port) but not remote port 0', () => {
    expect(parseTunnelSpec('0:h:1').localPort).toBe(0);
    expect(specError('1:h:0').message).toMatch(/remote port 0 is out of range/);
  });

  it.each([
    ['99999:h:1', /local port 99999 is out of range/],
    ['1:h:65536', /remote port 65536 is out of range/],
    ['x:h:1', /local port "x" is not a port number/],
    ['1:h', /not a valid mapping/],
    ['1:2:3:4:5', /not a valid mapping/],
    ['9993:2001:db8::1:993', /not a valid mapping/],
    ['1:[example.com]:2', /brackets are only for IPv6/],
    ['1:[::1:2', /not a valid mapping/],
    ['foo:1:h:2', /listen address "foo" must be an IP address/],
  ])('rejects %s', (spec, message) => {
    const err = specError(spec);
    expect(err.code).toBe('ERR_TUNNEL_SPEC');
    expect(err.userError).toBe(true);
    expect(err.message).toMatch(message);
  });

  it.each([
    ['1:imap.gmail.com\r\nX-Evil=1:2', '"\\r"'],
    ['1:imap.gmail.com\n:2', '"\\n"'],
    ['1:imap gmail.com:2', '" "'],
    ['1:user@imap.gmail.com:2', '"@"'],
    ['1:imap.gmail.com/x:2', '"/"'],
    ['1:a\u0000b:2', '"\\u0000"'],
  ])('rejects illegal characters in host names: %j', (spec, shown) => {
    const err = specError(spec);
    expect(err.code).toBe('ERR_TUNNEL_SPEC');
    expect(err.message).toContain(`illegal character ${shown}`);
    expect(err.message).not.toMatch(/\n/);
  });

  it('rejects over-long labels and names', () => {
    expect(specError(`1:${'a'.repeat(64)}.com:2`).message).toMatch(/not a valid host name/);
    expect(specError(`1:${'abcdefghi.'.repeat(26)}com:2`).message).toMatch(/not a valid host name/);
    expect(specError('1:-bad.com:2').message).toMatch(/not a valid host name/);
  });
});
