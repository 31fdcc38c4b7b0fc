import fc from 'fast-check';
import { offeredSchemes } from '../../../src/proxy/auth/offered';

const brief = (input: Parameters<typeof offeredSchemes>[0]) =>
  offeredSchemes(input).map((o) => ({ scheme: o.scheme, token: o.token, params: { ...o.params } }));

describe('offeredSchemes (Proxy-Authenticate)', () => {
  it('reads one scheme per header, across several headers, in order', () => {
    expect(brief({ 'proxy-authenticate': ['Negotiate', 'NTLM', 'Basic realm="Corp Proxy"'] })).toEqual([
      { scheme: 'negotiate', token: undefined, params: {} },
      { scheme: 'ntlm', token: undefined, params: {} },
      { scheme: 'basic', token: undefined, params: { realm: 'Corp Proxy' } },
    ]);
  });

  it('reads a comma-joined list, as Node and our response parser join repeated headers', () => {
    expect(brief({ 'proxy-authenticate': 'Negotiate, NTLM, Basic realm="Corp Proxy"' }).map((o) => o.scheme)).toEqual([
      'negotiate',
      'ntlm',
      'basic',
    ]);
  });

  it("carries NTLM's challenge token and Negotiate's continuation token", () => {
    const offers = offeredSchemes(['NTLM TlRMTVNTUAACAAAADAAMADgAAAAzgoriASNFZ4mrze8=', 'Negotiate oYG3MIG0oAMKAQA=']);
    expect(offers).toMatchObject([
      { scheme: 'ntlm', name: 'NTLM', token: 'TlRMTVNTUAACAAAADAAMADgAAAAzgoriASNFZ4mrze8=' },
      { scheme: 'negotiate', name: 'Negotiate', token: 'oYG3MIG0oAMKAQA=' },
    ]);
  });

  it('tells a token68 from an auth-param ("abc==" versus "realm=x")', () => {
    expect(brief('Basic realm=proxy, NTLM abc==, Digest realm="a, b", nonce="n\\"q", qop=auth')).toEqual([
      { scheme: 'basic', token: undefined, params: { realm: 'proxy' } },
      { scheme: 'ntlm', token: 'abc==', params: {} },
      { scheme: 'digest', token: undefined, params: { realm: 'a, b', nonce: 'n"q', qop: 'auth' } },
    ]);
  });

  it('matches scheme and parameter names case-insensitively, keeps the spelling for messages', () => {
    const [offer] = offeredSchemes('bAsIc REALM="x", Charset=UTF-8');
    expect(offer).toMatchObject({ scheme: 'basic', name: 'bAsIc' });
    expect({ ...offer!.params }).toEqual({ realm: 'x', charset: 'UTF-8' });
  });

  it('takes the header from any casing of its name and ignores other headers', () => {
    expect(brief({ 'Proxy-Authenticate': 'NTLM', 'www-authenticate': 'Basic', via: '1.1 squid' })).toEqual([
      { scheme: 'ntlm', token: undefined, params: {} },
    ]);
  });

  it('tolerates empty list elements and extra spaces', () => {
    expect(brief(' ,  NTLM ,, Basic   realm="x" ,').map((o) => o.scheme)).toEqual(['ntlm', 'basic']);
  });

  it('skips malformed challenges and keeps the good ones', () => {
    const headers = ['Basic realm="unterminated', 'NTLM', '"quoted", Negotiate', 'Basic realm="x" junk', '(bad) x, Basic realm=ok'];
    expect(brief(headers)).toEqual([
      { scheme: 'ntlm', token: undefined, params: {} },
      { scheme: 'negotiate', token: undefined, params: {} },
      { scheme: 'basic', token: undefined, params: { realm: 'ok' } },
    ]);
  });

  it('nothing offered is an empty list', () => {
    expect(offeredSchemes(undefined)).toEqual([]);
    expect(offeredSchemes({})).toEqual([]);
    expect(offeredSchemes('')).toEqual([]);
  });

  it('bounds what a hostile header can make it produce', () => {
    expect(offeredSchemes(Array.from({ length: 1000 }, () => 'NTLM')).length).toBeLessThanOrEqual(32);
    const manyParams = `Basic ${Array.from({ length: 1000 }, (_, i) => `p${i}=v`).join(', ')}`;
    expect(Object.keys(offeredSchemes(manyParams)[0]!.params).length).toBeLessThanOrEqual(32);
  });

  it('padding alone is not a token68', () => {
    expect(offeredSchemes('# =')).toEqual([]);
    expect(offeredSchemes('NTLM ==')[0]?.token).toBeUndefined();
  });

  it('a parameter named like an Object property is just a parameter', () => {
    const [offer] = offeredSchemes('Basic __proto__=x, constructor=y');
    expect(offer!.params['__proto__']).toBe('x');
    expect(offer!.params['constructor']).toBe('y');
  });

  it('never throws, and every scheme it returns is a printable token (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 80 }), { maxLength: 4 }), (headers) => {
        for (const o of offeredSchemes(headers)) {
          if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(o.name)) return false;
          if (o.token !== undefined && !/^[A-Za-z0-9\-._~+/]+=*$/.test(o.token)) return false;
        }
        return true;
      }),
      { numRuns: 3000 },
    );
  });
});
