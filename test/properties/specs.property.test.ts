import fc from 'fast-check';
import { PtunnelError } from '../../src/errors';
import { NoProxy } from '../../src/config/no-proxy';
import { parseTunnelSpec, TunnelSpec } from '../../src/config/tunnel-spec';

/** Runs `f`; a PtunnelError is an allowed answer, any other exception fails the property. */
function parseOrError<T>(f: () => T): T | PtunnelError {
  try {
    return f();
  } catch (err) {
    if (err instanceof PtunnelError) return err;
    throw err;
  }
}

// Strings drawn mostly from the characters that matter to these parsers, plus anything at all.
const specish = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.constantFrom('0', '1', '9', '65535', '65536', ':', '[', ']', '::1', '.', 'a', 'Z', '-', '_', '*', '/', '24', ',', ' ', '\r\n', '@', '%', 'localhost', '127.0.0.1', '2001:db8::1'), { maxLength: 20 }).map((a) => a.join('')),
);

const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?$/);
// A name, never an IP literal: the last label starts with a letter (as top-level domains do).
const hostName = fc
  .tuple(fc.array(label, { maxLength: 3 }), fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/))
  .map(([ls, tld]) => [...ls, tld].join('.'));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();

describe('parseTunnelSpec (property-based)', () => {
  it('on any input: a TunnelSpec or a PtunnelError (ERR_TUNNEL_SPEC), never another exception', () => {
    fc.assert(
      fc.property(specish, (text) => {
        const r = parseOrError(() => parseTunnelSpec(text));
        if (r instanceof PtunnelError) {
          expect(r.code).toBe('ERR_TUNNEL_SPEC');
          expect(r.userError).toBe(true);
        } else {
          expect(r.port).toBeGreaterThanOrEqual(1);
          expect(r.port).toBeLessThanOrEqual(65535);
          expect(r.localPort).toBeGreaterThanOrEqual(0);
          // What it accepted, written back out, parses to the same thing.
          const { source: _s, ...again } = parseTunnelSpec(format(r));
          const { source: _t, ...first } = r;
          expect(again).toEqual(first);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('round-trips a spec built from valid parts', () => {
    const parts = fc.record({
      bind: fc.option(fc.oneof(ipv4, ipv6, fc.constant('localhost')), { nil: undefined }),
      localPort: fc.integer({ min: 0, max: 65535 }),
      host: fc.oneof(hostName, ipv4, ipv6, hostName.map((h) => `${h.toUpperCase()}.`)),
      port: fc.integer({ min: 1, max: 65535 }),
    });
    fc.assert(
      fc.property(parts, (p) => {
        const bracket = (h: string) => (h.includes(':') ? `[${h}]` : h);
        const text = `${p.bind === undefined ? '' : `${bracket(p.bind)}:`}${p.localPort}:${bracket(p.host)}:${p.port}`;
        const spec = parseTunnelSpec(text);
        const expected: TunnelSpec = { localPort: p.localPort, host: p.host.toLowerCase().replace(/\.$/, ''), port: p.port, source: text };
        if (p.bind !== undefined) expected.listenHost = p.bind.toLowerCase();
        expect(spec).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

function format(t: TunnelSpec): string {
  const b = (h: string) => (h.includes(':') ? `[${h}]` : h);
  return `${t.listenHost === undefined ? '' : `${b(t.listenHost)}:`}${t.localPort}:${b(t.host)}:${t.port}`;
}

describe('NoProxy (property-based)', () => {
  it('never throws, whatever the list and whatever it is asked about', () => {
    fc.assert(
      fc.property(specish, fc.oneof(specish, hostName, ipv4, ipv6), fc.integer({ min: 0, max: 70000 }), (list, host, port) => {
        const np = parseOrError(() => new NoProxy(list));
        if (np instanceof PtunnelError) return;
        expect(typeof np.matches(host, port)).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });

  it('a domain entry matches the domain and names below it, on any port, and nothing else', () => {
    fc.assert(
      fc.property(hostName, label, fc.constantFrom('', '.', '*.'), fc.integer({ min: 1, max: 65535 }), (domain, sub, prefix, port) => {
        const np = new NoProxy(`other.invalid, ${prefix}${domain}`);
        expect(np.matches(domain, port)).toBe(true);
        expect(np.matches(`${sub}.${domain}`.toUpperCase(), port)).toBe(true);
        expect(np.matches(`${domain}.`, port)).toBe(true);
        // A name that merely ends with the same letters is another domain.
        expect(np.matches(`${sub}${domain}`, port)).toBe(`${sub}${domain}` === domain);
      }),
      { numRuns: 1000 },
    );
  });

  it('host:port and IP entries match only what they name', () => {
    fc.assert(
      fc.property(hostName, fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 1, max: 65535 }), ipv4, ipv4, (name, port, other, ip, ip2) => {
        const np = new NoProxy(`${name}:${port} ${ip}`);
        expect(np.matches(name, port)).toBe(true);
        expect(np.matches(name, other)).toBe(other === port);
        expect(np.matches(ip, other)).toBe(true);
        expect(np.matches(ip2, other)).toBe(ip2 === ip);
      }),
      { numRuns: 1000 },
    );
  });

  it('a CIDR entry matches exactly the addresses inside it', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 0, max: 32 }), fc.nat({ max: 0xffffffff }), (base, prefix, probe) => {
        const dotted = (n: number) => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
        const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
        const np = new NoProxy(`${dotted(base)}/${prefix}`);
        expect(np.matches(dotted(probe), 443)).toBe(((probe & mask) >>> 0) === ((base & mask) >>> 0));
      }),
      { numRuns: 2000 },
    );
  });
});
