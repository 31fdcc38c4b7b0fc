import { isPortText, parseHostPort } from '../../src/net/address';

describe('parseHostPort', () => {
  it.each([
    ['proxy.corp:3128', { host: 'proxy.corp', port: '3128', bracketed: false }],
    ['10.0.0.1:53', { host: '10.0.0.1', port: '53', bracketed: false }],
    ['[2001:db8::1]:8080', { host: '2001:db8::1', port: '8080', bracketed: true }],
    ['[::1]', { host: '::1', bracketed: true }],
    ['[::1]:', { host: '::1', port: '', bracketed: true }],
    ['2001:db8::1', { host: '2001:db8::1', bracketed: false }],
    ['example.com', { host: 'example.com', bracketed: false }],
    ['example.com:', { host: 'example.com', port: '', bracketed: false }],
    ['example.com:abc', { host: 'example.com', port: 'abc', bracketed: false }],
  ])('%j -> %j', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each([
    [''],
    [':80'],
    ['a:b:80'],
    ['[::1'],
    ['[]:80'],
    ['[::1]80'],
    ['[[::1]]:80'],
    ['host]:80'],
  ])('%j has the wrong shape', (text) => {
    expect(parseHostPort(text)).toBeUndefined();
  });
});

describe('isPortText', () => {
  it.each([
    ['0', true],
    ['443', true],
    ['99999', true],
    ['123456', false],
    ['', false],
    ['8o', false],
    [undefined, false],
  ])('%j -> %s', (text, expected) => expect(isPortText(text)).toBe(expected));
});
