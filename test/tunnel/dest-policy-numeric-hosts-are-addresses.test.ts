import { DestinationPolicy } from '../../src/tunnel/dest-policy';

const OWN_PORTS = [1080, 8080];
const refusal = (host: string, port: number) => new DestinationPolicy({ allow: [], deny: [] }, () => OWN_PORTS, () => ['127.0.0.1']).refusal({ host, port });

/*
 * A host whose last label is a number is no name: a proxy (getaddrinfo, inet_aton) and a browser
 * read 127.1, 2130706433 or 0x7f.1 as 127.0.0.1 and 169.254.43518 as 169.254.169.254. The policy
 * judges the address they spell, or the built-in denials could be walked around by spelling.
 */
describe('destination policy: numeric hosts are the IPv4 addresses they spell', () => {
  it.each([
    ['127.1', 1080, /own listener/],
    ['2130706433', 8080, /own listener/],
    ['0x7f.1', 1080, /own listener/],
    ['017700000001', 1080, /own listener/],
    ['0', 1080, /own listener/],
    ['169.254.43518', 80, /link-local or metadata address/],
  ])('%s spells an IPv4 address (as a proxy reads it): judged as that address', (host, port, why) => {
    expect(refusal(host as string, port as number)).toMatch(why as RegExp);
  });

  it('names whose last label is not a number stay names', () => {
    expect(refusal('host-1080.example', 1080)).toBeUndefined();
    expect(refusal('10.example', 1080)).toBeUndefined();
  });
});
