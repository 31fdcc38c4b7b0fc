import fc from 'fast-check';
import { isPtunnelError } from '../../../../src/errors';
import {
  AV_ID,
  NTLM_FLAGS as F,
  buildChallenge,
  encodeAvPairs,
  parseAuthenticate,
  parseChallenge,
  parseNegotiate,
} from '../../../../src/proxy/auth/ntlm/messages';
import { sampleChallenge } from './sample-challenge';

const VALID = sampleChallenge({ version: Buffer.from('0a00614a0000000f', 'hex') });

/** What parseChallenge did: 'ok', a PtunnelError's message, or the foreign error itself. */
function outcome(input: string | Buffer): { ok: true } | { ok: false; message: string; foreign?: unknown } {
  try {
    parseChallenge(input);
    return { ok: true };
  } catch (err) {
    if (isPtunnelError(err, 'ERR_PROXY_PROTOCOL')) return { ok: false, message: err.message };
    return { ok: false, message: String(err), foreign: err };
  }
}

function expectProtocolError(input: string | Buffer): string {
  const r = outcome(input);
  if (r.ok) throw new Error(`parsed: ${typeof input === 'string' ? input : input.toString('hex')}`);
  expect(r.foreign).toBeUndefined();
  // One short line, no control characters, and none of the bytes echoed.
  expect(r.message).toMatch(/^the proxy's NTLM challenge is malformed: [ -~]+$/);
  expect(r.message.length).toBeLessThan(160);
  return r.message;
}

describe('parseChallenge on garbage', () => {
  it('parses the untouched message (the fuzz below starts from a valid one)', () => {
    expect(outcome(VALID)).toEqual({ ok: true });
  });

  it('every truncation of a valid challenge is a protocol error', () => {
    const reasons = new Set<string>();
    for (let n = 0; n < VALID.length; n++) reasons.add(expectProtocolError(VALID.subarray(0, n)));
    // Each part is checked in its turn: header, target name, target info.
    expect([...reasons].some((m) => /shorter than its 32-byte header/.test(m))).toBe(true);
    expect([...reasons].some((m) => /target name runs past the end/.test(m))).toBe(true);
    expect([...reasons].some((m) => /target info runs past the end/.test(m))).toBe(true);
  });

  it('every truncation of its base64 token is a protocol error; only padding may be left off', () => {
    const token = VALID.toString('base64');
    const unpadded = token.replace(/=+$/, '');
    expect(unpadded.length).toBeLessThan(token.length); // the sample needs padding, to test it
    for (let n = 0; n < unpadded.length; n++) expectProtocolError(token.slice(0, n));
    expect(outcome(unpadded)).toEqual({ ok: true });
    for (let n = unpadded.length + 1; n < token.length; n++) expectProtocolError(token.slice(0, n));
  });

  it.each([
    ['target name length', 12, 2, 0xffff],
    ['target name offset', 16, 4, 0xfffffff0],
    ['target info length', 40, 2, 0xffff],
    ['target info offset', 44, 4, 0xffffffff],
    ['message type', 8, 4, 3],
  ])('a corrupted %s is a protocol error', (_name, at, width, value) => {
    const bad = Buffer.from(VALID);
    if (width === 2) bad.writeUInt16LE(value, at);
    else bad.writeUInt32LE(value, at);
    expectProtocolError(bad);
  });

  it('an AV pair whose length runs past the target info is a protocol error', () => {
    const bad = Buffer.from(VALID);
    const infoAt = bad.readUInt32LE(44);
    bad.writeUInt16LE(0x7fff, infoAt + 2);
    expect(expectProtocolError(bad)).toMatch(/target info entry runs past the end/);
  });

  it('a timestamp that is not 8 bytes is a protocol error', () => {
    const bad = buildChallenge({
      flags: F.UNICODE | F.NTLM,
      serverChallenge: Buffer.alloc(8),
      targetInfo: encodeAvPairs([{ id: AV_ID.TIMESTAMP, value: Buffer.alloc(4) }]),
    });
    expect(expectProtocolError(bad)).toMatch(/timestamp is 4 bytes/);
  });

  it('an odd-length UTF-16 target name is a protocol error', () => {
    const bad = Buffer.from(VALID);
    bad.writeUInt16LE(bad.readUInt16LE(12) - 1, 12);
    expect(expectProtocolError(bad)).toMatch(/odd length/);
  });

  it('an OEM-only challenge is refused: ptunnel offered Unicode only', () => {
    const bad = Buffer.from(VALID);
    bad.writeUInt32LE(bad.readUInt32LE(20) & ~F.UNICODE, 20);
    expect(expectProtocolError(bad)).toMatch(/Unicode/);
  });

  it.each([
    ['empty', ''],
    ['not base64', '!!!!'],
    ['base64 with a stray character', 'TlRMTVNTUAACAAAA*'],
    ['one character', 'a'],
    ['base64 with a space', 'TlRM TVNT'],
    ['the scheme name', 'NTLM'],
    ['only padding', '===='],
    ['20000 characters', 'x'.repeat(20000)],
  ])('a token that is %s is a protocol error', (_name, token) => {
    expectProtocolError(token);
  });

  it('a valid base64 token that is not NTLM is a protocol error', () => {
    expect(expectProtocolError(Buffer.from('HTTP/1.1 200 OK\r\n\r\nhello there, friend').toString('base64'))).toMatch(
      /no NTLMSSP signature/,
    );
    const t3 = Buffer.from(VALID);
    t3.writeUInt32LE(3, 8);
    expect(expectProtocolError(t3)).toMatch(/message type 3, expected 2/);
  });
});

describe('NTLM parsers throw nothing but PtunnelError (property)', () => {
  const parsers = { parseChallenge, parseNegotiate, parseAuthenticate };

  function onlyPtunnelErrors(parse: (input: string | Buffer) => unknown, input: string | Buffer): boolean {
    try {
      parse(input);
      return true;
    } catch (err) {
      return isPtunnelError(err, 'ERR_PROXY_PROTOCOL') && !/[\r\n]/.test(err.message);
    }
  }

  /** A valid message with a few bytes overwritten: reaches the deep checks, unlike random bytes. */
  const mutated = fc
    .array(fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 8 })
    .map((edits) => {
      const b = Buffer.from(VALID);
      for (const [at, v] of edits) b[at] = v;
      return b;
    });
  const headerLike = fc
    .uint8Array({ minLength: 0, maxLength: 300 })
    .map((tail) => Buffer.concat([Buffer.from('NTLMSSP\0', 'latin1'), Buffer.from([2, 0, 0, 0]), Buffer.from(tail)]));

  it.each(Object.entries(parsers))('%s on mutated messages, random bytes and random tokens', (_name, parse) => {
    fc.assert(fc.property(mutated, (b) => onlyPtunnelErrors(parse, b)), { numRuns: 3000 });
    fc.assert(fc.property(headerLike, (b) => onlyPtunnelErrors(parse, b)), { numRuns: 2000 });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => onlyPtunnelErrors(parse, Buffer.from(b))),
      { numRuns: 1000 },
    );
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (s) => onlyPtunnelErrors(parse, s)), { numRuns: 1000 });
    fc.assert(
      fc.property(fc.base64String({ maxLength: 400 }), (s) => onlyPtunnelErrors(parse, s)),
      { numRuns: 1000 },
    );
  });
});
