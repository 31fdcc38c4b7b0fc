import { DestRule, parseDestRules } from '../../src/config/dest-policy';
import { loadConfig } from '../../src/config/load';

const any = { kind: 'any' } as const;

describe('--allow-dest / --deny-dest entries are parsed once, at config load', () => {
  it.each<[string, Omit<DestRule, 'text'>]>([
    ['imap.gmail.com', { host: { kind: 'name', name: 'imap.gmail.com' } }],
    ['IMAP.Gmail.COM.', { host: { kind: 'name', name: 'imap.gmail.com' } }],
    ['.google.com:443', { host: { kind: 'domain', domain: 'google.com' }, ports: { from: 443, to: 443 } }],
    ['10.0.0.0/8', { host: { kind: 'cidr', address: '10.0.0.0', prefix: 8, family: 4 } }],
    ['192.168.1.7:22', { host: { kind: 'cidr', address: '192.168.1.7', prefix: 32, family: 4 }, ports: { from: 22, to: 22 } }],
    ['*:993-995', { host: any, ports: { from: 993, to: 995 } }],
    ['*', { host: any }],
    ['fd00::/8', { host: { kind: 'cidr', address: 'fd00::', prefix: 8, family: 6 } }],
    ['2001:DB8::1', { host: { kind: 'cidr', address: '2001:db8::1', prefix: 128, family: 6 } }],
    ['[2001:db8::1]:443', { host: { kind: 'cidr', address: '2001:db8::1', prefix: 128, family: 6 }, ports: { from: 443, to: 443 } }],
    ['[fd00::/8]:1-1024', { host: { kind: 'cidr', address: 'fd00::', prefix: 8, family: 6 }, ports: { from: 1, to: 1024 } }],
    ['bücher.example', { host: { kind: 'name', name: 'xn--bcher-kva.example' } }],
  ])('%s', (text, want) => {
    expect(parseDestRules(text)).toEqual([{ text, ...want }]);
  });

  it('splits on commas and spaces and skips empty entries', () => {
    expect(parseDestRules(' imap.gmail.com, ,.google.com:443 10.0.0.0/8,*:993-995').map((r) => r.text)).toEqual(['imap.gmail.com', '.google.com:443', '10.0.0.0/8', '*:993-995']);
    expect(parseDestRules(null)).toEqual([]);
  });

  it.each([
    ['imap.gmail.com:99999', /entry "imap\.gmail\.com:99999": "99999" is not a port number \(1-65535\)/],
    ['host:0', /"0" is not a port number/],
    ['*:995-993', /the port range 995-993 runs backwards; write 993-995/],
    ['host:', /nothing after the colon; give a port \(993\) or a range \(993-995\)/],
    ['10.0.0.0/33', /entry "10\.0\.0\.0\/33": the prefix length \/33 is not 0-32/],
    ['10.0.0/8', /"10\.0\.0" is not an IP address, as a CIDR range needs/],
    ['*.google.com', /a \* stands only alone, for every host; write \.example\.com/],
    ['[imap.gmail.com]:993', /entry "\[imap\.gmail\.com\]:993": each entry is HOST\[:PORT\[-PORT\]\]/],
    ['bad_host$:25', /contains the illegal character "\$"/],
    ['a:1:2', /each entry is HOST/],
  ])('refuses %s with a one-line error naming the entry', (text, message) => {
    expect(() => parseDestRules(text)).toThrow(message);
    try {
      parseDestRules(text);
    } catch (err) {
      expect((err as Error).message).not.toContain('\n');
      expect((err as { code?: string }).code).toBe('ERR_CONFIG');
    }
  });

  it('a bad list stops the config load with the setting named', () => {
    expect(() => loadConfig({ env: {}, flags: { denyDest: '10.0.0.0/40' } })).toThrow(/--deny-dest.*entry "10\.0\.0\.0\/40"/);
    expect(() => loadConfig({ env: { PTUNNEL_ALLOW_DEST: '*:x' } })).toThrow(/PTUNNEL_ALLOW_DEST|--allow-dest/);
    expect(loadConfig({ env: {}, flags: { allowDest: '.google.com:443' } }).destinations.allow).toHaveLength(1);
  });
});
