import { parseDestRules } from '../../src/config/dest-policy';
import { DestinationPolicy, screenedLookup } from '../../src/tunnel/dest-policy';

const OWN = [1080, 9993];
const policy = (allow: string, deny = '') => new DestinationPolicy({ allow: parseDestRules(allow), deny: parseDestRules(deny) }, () => OWN);

describe('destination policy: which local proxy destinations are refused, and by which rule', () => {
  it.each<[string, string, string, number, RegExp | undefined]>([
    // allow deny host port -> refusal (undefined: allowed)
    ['', '', 'imap.gmail.com', 993, undefined],
    ['', '', '10.1.2.3', 22, undefined],
    ['', '', '169.254.169.254', 80, /169\.254\.169\.254:80 is a link-local or metadata address.*built-in/],
    ['', '', 'fe80::1', 80, /\[fe80::1\]:80 is a link-local/],
    ['', '', 'FD00:EC2::254', 80, /metadata address/],
    ['', '', '::ffff:169.254.169.254', 80, /metadata address/],
    ['', '', '127.0.0.1', 1080, /127\.0\.0\.1:1080 is ptunnel's own listener/],
    ['', '', 'localhost', 9993, /own listener/],
    ['', '', '0.0.0.0', 9993, /own listener/],
    ['', '', '127.0.0.1', 8080, undefined],
    ['*', '', '169.254.169.254', 80, /built-in/],
    ['imap.gmail.com', '', 'IMAP.gmail.com.', 993, undefined],
    ['imap.gmail.com', '', 'smtp.gmail.com', 465, /smtp\.gmail\.com:465 matches no --allow-dest entry$/],
    ['imap.gmail.com', '', 'evil-imap.gmail.com', 993, /matches no --allow-dest/],
    ['.google.com:443', '', 'accounts.google.com', 443, undefined],
    ['.google.com:443', '', 'google.com', 443, undefined],
    ['.google.com:443', '', 'notgoogle.com', 443, /matches no/],
    ['.google.com:443', '', 'accounts.google.com', 80, /matches no/],
    ['*:993-995', '', 'any.example', 995, undefined],
    ['*:993-995', '', 'any.example', 996, /matches no/],
    ['10.0.0.0/8', '', '10.9.8.7', 22, undefined],
    ['10.0.0.0/8', '', 'intranet.corp', 22, /matches no --allow-dest entry; its CIDR entries match IP addresses, not names/],
    ['imap.gmail.com', '', '10.0.0.1', 993, /matches no/],
    ['[2001:db8::/32]:443', '', '2001:db8::5', 443, undefined],
    ['', '.corp.example', 'wiki.corp.example', 443, /wiki\.corp\.example:443 is refused by --deny-dest entry "\.corp\.example"/],
    ['', '10.0.0.0/8:22', '10.0.0.1', 22, /refused by --deny-dest entry "10\.0\.0\.0\/8:22"/],
    ['', '10.0.0.0/8:22', '10.0.0.1', 23, undefined],
    ['*', 'smtp.gmail.com', 'smtp.gmail.com', 465, /refused by --deny-dest/],
  ])('allow %j deny %j: %s:%d', (allow, deny, host, port, refusal) => {
    const got = policy(allow, deny).refusal({ host, port });
    if (refusal === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(refusal);
  });

  it.each<[string, string, number, RegExp | undefined]>([
    ['', '93.184.216.34', 443, undefined],
    ['', '169.254.169.254', 80, /metadata\.example:80 \(169\.254\.169\.254\) is a link-local or metadata address/],
    ['', '127.0.0.1', 1080, /own listener/],
    ['10.0.0.0/8', '10.1.1.1', 443, /metadata\.example:443 \(10\.1\.1\.1\) is refused by --deny-dest entry "10\.0\.0\.0\/8"/],
    ['.example', '10.1.1.1', 443, undefined],
  ])('a resolved address, deny %j: %s:%d', (deny, address, port, refusal) => {
    const got = policy('', deny).addressRefusal(address, port, 'metadata.example');
    if (refusal === undefined) expect(got).toBeUndefined();
    else expect(got).toMatch(refusal);
  });

  it('a screened lookup drops refused addresses and fails when none is left', async () => {
    const p = policy('');
    const lookup = screenedLookup(async (host) => (host === 'mixed' ? [{ address: '169.254.169.254', family: 4 }, { address: '192.0.2.1', family: 4 }] : [{ address: '169.254.169.254', family: 4 }]), (a) => p.addressRefusal(a, 80, 'x'));
    await expect(lookup('mixed')).resolves.toEqual([{ address: '192.0.2.1', family: 4 }]);
    await expect(lookup('only')).rejects.toMatchObject({ code: 'ERR_DEST_DENIED', message: expect.stringMatching(/metadata address/) });
  });
});
