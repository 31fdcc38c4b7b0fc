import { NoProxy } from '../../src/config/no-proxy';

describe('NO_PROXY rules', () => {
  it('matches nothing when empty and everything with *', () => {
    expect(new NoProxy('').matches('example.com', 443)).toBe(false);
    expect(new NoProxy(undefined).matches('example.com', 443)).toBe(false);
    expect(new NoProxy('foo, *').matches('anything.at.all', 1)).toBe(true);
  });

  it('matches exact hosts and domain suffixes, with or without a leading dot, case-insensitively', () => {
    const rules = new NoProxy('internal.corp .example.com,*.wild.org');
    expect(rules.matches('internal.corp', 993)).toBe(true);
    expect(rules.matches('mail.internal.corp', 993)).toBe(true);
    expect(rules.matches('example.com', 1)).toBe(true);
    expect(rules.matches('IMAP.Example.Com.', 1)).toBe(true);
    expect(rules.matches('deep.wild.org', 1)).toBe(true);
    expect(rules.matches('notexample.com', 1)).toBe(false);
    expect(rules.matches('internal.corp.evil.net', 1)).toBe(false);
  });

  it('limits host:port entries to their port', () => {
    const rules = new NoProxy('smtp.example.com:25,[2001:db8::1]:993,10.1.2.3:22');
    expect(rules.matches('smtp.example.com', 25)).toBe(true);
    expect(rules.matches('smtp.example.com', 587)).toBe(false);
    expect(rules.matches('2001:db8::1', 993)).toBe(true);
    expect(rules.matches('2001:db8::1', 994)).toBe(false);
    expect(rules.matches('10.1.2.3', 22)).toBe(true);
    expect(rules.matches('10.1.2.3', 23)).toBe(false);
  });

  it('matches IP literals and CIDR ranges (IPv4 and IPv6), not names', () => {
    const rules = new NoProxy('192.168.0.0/16, 10.0.0.1, fd00::/8, ::1');
    expect(rules.matches('192.168.44.5', 1)).toBe(true);
    expect(rules.matches('192.169.0.1', 1)).toBe(false);
    expect(rules.matches('10.0.0.1', 1)).toBe(true);
    expect(rules.matches('10.0.0.2', 1)).toBe(false);
    expect(rules.matches('fd12::5', 1)).toBe(true);
    expect(rules.matches('::1', 1)).toBe(true);
    expect(rules.matches('fe80::1', 1)).toBe(false);
    expect(rules.matches('192.168.example.com', 1)).toBe(false);
  });
});
