import { md4 } from '../../../../src/proxy/auth/ntlm/md4';

// RFC 1320, appendix A.5 ("Test suite").
const SUITE: Array<[string, string]> = [
  ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
  ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
  ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
  ['message digest', 'd9130a8164549fe818874806e1c7014b'],
  ['abcdefghijklmnopqrstuvwxyz', 'd79e1c308aa5bbcdeea8ed63df412da9'],
  ['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '043f8582f241db351ce627e153e7f0e4'],
  ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
];

describe('md4 (RFC 1320)', () => {
  it.each(SUITE)('MD4(%j) is the RFC 1320 A.5 digest', (input, digest) => {
    expect(md4(Buffer.from(input, 'latin1')).toString('hex')).toBe(digest);
  });

  // Around the padding edges (55 bytes fit one block, 56 need two; 64 and 120 likewise), from
  // `openssl dgst -md4 -provider legacy` on a run of 'a's.
  it.each([
    [55, 'c889c81dd86c4d2e025778944ea02881'],
    [56, 'd5f9a9e9257077a5f08b0b92f348b0ad'],
    [64, '52f5076fabd22680234a3fa9f9dc5732'],
    [120, 'b03ddbd470b47c013e0c7ab2ddd763db'],
  ])('MD4 of %i bytes matches OpenSSL across the padding edge', (n, digest) => {
    expect(md4(Buffer.alloc(n, 0x61)).toString('hex')).toBe(digest);
  });

  it('does not modify its input', () => {
    const input = Buffer.from('abc');
    md4(input);
    expect(input.toString()).toBe('abc');
  });
});
