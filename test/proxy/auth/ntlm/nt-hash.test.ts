import { isPtunnelError } from '../../../../src/errors';
import { ntHash, ntowfV2, parseNtHash } from '../../../../src/proxy/auth/ntlm/hash';

describe('NT hash', () => {
  it('is MD4 of the UTF-16LE password (MS-NLMP 4.2.2.1.2: "Password")', () => {
    expect(ntHash('Password').toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
  });

  it('encodes non-ASCII passwords as UTF-16LE, not UTF-8', () => {
    // MD4 of e9 00 (UTF-16LE) and of c3 a9 (UTF-8), from `openssl dgst -md4 -provider legacy`.
    expect(ntHash('\u00e9').toString('hex')).toBe('e77286d072c7858e9110cc3a011d2ac8');
    expect(ntHash('\u00e9').toString('hex')).not.toBe('aa927a3d3ee05750b09e58530d2bc28b');
  });

  it('NTOWFv2 upper-cases the user but not the domain', () => {
    const h = ntHash('Password');
    expect(ntowfV2(h, 'user', 'Domain')).toEqual(ntowfV2(h, 'User', 'Domain'));
    expect(ntowfV2(h, 'User', 'domain')).not.toEqual(ntowfV2(h, 'User', 'Domain'));
  });
});

describe('parseNtHash (--proxy-nt-hash-file)', () => {
  it('accepts 32 hex digits in either case, with surrounding whitespace', () => {
    expect(parseNtHash('A4F49C406510BDCAB6824EE7C30FD852\n').toString('hex')).toBe('a4f49c406510bdcab6824ee7c30fd852');
    expect(parseNtHash('  a4f49c406510bdcab6824ee7c30fd852\r\n')).toEqual(ntHash('Password'));
  });

  it.each([
    ['empty', ''],
    ['too short', 'a4f49c406510bdcab6824ee7c30fd85'],
    ['too long', 'a4f49c406510bdcab6824ee7c30fd8520'],
    ['not hex', 'z4f49c406510bdcab6824ee7c30fd852'],
    ['two lines', 'a4f49c406510bdca\nb6824ee7c30fd852'],
    ['a password by mistake', 'Secr3t-Passw0rd!'],
  ])('rejects %s with a one-line usage error that does not echo the value', (_name, text) => {
    let err: unknown;
    try {
      parseNtHash(text);
    } catch (e) {
      err = e;
    }
    expect(isPtunnelError(err, 'ERR_CONFIG')).toBe(true);
    const message = (err as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/32 hex digits/);
    if (text.trim()) expect(message).not.toContain(text.trim());
    expect((err as { userError: boolean }).userError).toBe(true);
  });
});
