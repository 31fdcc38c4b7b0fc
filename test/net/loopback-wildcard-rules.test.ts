import { bindTakes, isLoopback, isWildcard, localAddressOf, sameAddress } from '../../src/net/address';

describe('loopback and wildcard rules', () => {
  it.each([
    ['127.0.0.1', true, false],
    ['127.8.9.10', true, false],
    ['::1', true, false],
    ['0:0:0:0:0:0:0:1', true, false],
    ['::ffff:127.0.0.1', true, false],
    ['::ffff:7f00:1', true, false],
    ['0.0.0.0', false, true],
    ['::', false, true],
    ['0:0::0', false, true],
    ['192.0.2.7', false, false],
    ['2001:db8::1', false, false],
    ['localhost', false, false],
  ])('%s: loopback %s, wildcard %s', (address, loopback, wildcard) => {
    expect(isLoopback(address)).toBe(loopback);
    expect(isWildcard(address)).toBe(wildcard);
  });

  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1', true],
    ['2001:DB8::1', '2001:db8:0::1', true],
    ['127.0.0.1', '127.0.0.2', false],
    ['::1', '127.0.0.1', false],
  ])('%s and %s are the same address: %s', (a, b, same) => expect(sameAddress(a, b)).toBe(same));

  it.each([
    ['127.0.0.1', '127.0.0.1', true],
    ['0.0.0.0', '127.0.0.1', true],
    ['0.0.0.0', '::1', false],
    ['::', '127.0.0.1', true], // :: takes IPv4 too on dual-stack hosts
    ['::', '::1', true],
    ['127.0.0.1', '0.0.0.0', false],
    ['192.0.2.1', '127.0.0.1', false],
  ])('a listener on %s takes connections to %s: %s', (bound, address, takes) => expect(bindTakes(bound, address)).toBe(takes));

  it.each([
    ['0.0.0.0', '127.0.0.1'],
    ['::', '::1'],
    ['192.0.2.1', '192.0.2.1'],
    ['::1', '::1'],
  ])('a listener on %s is reached on %s from this host', (bound, local) => expect(localAddressOf(bound)).toBe(local));
});
