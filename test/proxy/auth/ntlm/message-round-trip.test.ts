import { ntHash } from '../../../../src/proxy/auth/ntlm/hash';
import {
  AV_ID,
  CLIENT_FLAGS,
  NTLM_FLAGS as F,
  buildAuthenticate,
  buildChallenge,
  buildNegotiate,
  encodeAuthenticate,
  encodeAvPairs,
  fileTime,
  parseAuthenticate,
  parseChallenge,
  parseNegotiate,
} from '../../../../src/proxy/auth/ntlm/messages';
import { SAMPLE_TIMESTAMP, sampleChallenge, u16 } from './sample-challenge';

describe('NTLM messages: build -> parse -> build', () => {
  it('type 1 carries exactly the client flags, no names, and rebuilds to the same bytes', () => {
    const t1 = buildNegotiate();
    const parsed = parseNegotiate(t1.toString('base64'));
    expect(parsed).toEqual({ flags: CLIENT_FLAGS, domain: '', workstation: '' });
    expect(buildNegotiate({ flags: parsed.flags })).toEqual(t1);
    // NTLMv2 only: nothing that asks for LM or an OEM code page.
    expect(parsed.flags & (F.LM_KEY | F.OEM)).toBe(0);
    expect(parsed.flags & (F.UNICODE | F.NTLM | F.EXTENDED_SESSIONSECURITY)).toBe(
      F.UNICODE | F.NTLM | F.EXTENDED_SESSIONSECURITY,
    );
  });

  it('type 1 with a version rebuilds to the same bytes', () => {
    const version = Buffer.from('0a00614a0000000f', 'hex');
    const t1 = buildNegotiate({ version });
    const parsed = parseNegotiate(t1);
    expect(parsed.version).toEqual(version);
    expect(buildNegotiate({ flags: parsed.flags, version: parsed.version })).toEqual(t1);
  });

  it('type 2 parses to its parts and rebuilds to the same bytes', () => {
    const t2 = sampleChallenge();
    const c = parseChallenge(t2.toString('base64'));
    expect(c.targetName).toBe('PROXYHOST');
    expect(c.dnsDomainName).toBe('test.example');
    expect(c.dnsComputerName).toBe('proxy.test.example');
    expect(c.timestamp).toEqual(SAMPLE_TIMESTAMP);
    expect(c.flags & F.TARGET_INFO).toBe(F.TARGET_INFO);
    const rebuilt = buildChallenge({
      flags: c.flags,
      serverChallenge: c.serverChallenge,
      targetName: c.targetName,
      targetInfo: c.targetInfo,
    });
    expect(rebuilt).toEqual(t2);
  });

  it('type 3 parses to its fields and re-encodes to the same bytes', () => {
    const t3 = buildAuthenticate({
      challenge: parseChallenge(sampleChallenge()),
      user: 'alice',
      domain: 'CORP',
      workstation: 'LAPTOP',
      ntHash: ntHash('s3cret'),
    });
    const fields = parseAuthenticate(t3.toString('base64'));
    expect(fields).toMatchObject({ user: 'alice', domain: 'CORP', workstation: 'LAPTOP' });
    expect(encodeAuthenticate(fields)).toEqual(t3);
  });

  it('non-ASCII names survive the round trip as UTF-16LE', () => {
    const t3 = buildAuthenticate({
      challenge: parseChallenge(sampleChallenge()),
      user: 'jürgen',
      domain: 'MÜNCHEN',
      ntHash: ntHash('pässwörd'),
    });
    expect(parseAuthenticate(t3)).toMatchObject({ user: 'jürgen', domain: 'MÜNCHEN', workstation: '' });
  });
});

describe('NTLMv2 response details', () => {
  const base = { user: 'alice', domain: 'CORP', ntHash: ntHash('s3cret') };

  it("uses the challenge's MsvAvTimestamp and sends a zero LMv2 response then (MS-NLMP 3.1.5.1.2)", () => {
    const ts = fileTime(Date.UTC(2030, 5, 6));
    const t3 = parseAuthenticate(buildAuthenticate({ challenge: parseChallenge(sampleChallenge({ timestamp: ts })), ...base }));
    expect(t3.lmResponse).toEqual(Buffer.alloc(24));
    // The blob: 16-byte NTProofStr, then 01 01, six zeros, the timestamp.
    expect(t3.ntResponse.subarray(16, 24).toString('hex')).toBe('0101000000000000');
    expect(t3.ntResponse.subarray(24, 32)).toEqual(ts);
  });

  it('without a server timestamp, stamps the blob with now and sends an LMv2 response', () => {
    const noTimestamp = buildChallenge({
      flags: F.UNICODE | F.NTLM,
      serverChallenge: Buffer.alloc(8, 7),
      targetInfo: encodeAvPairs([{ id: AV_ID.NB_DOMAIN_NAME, value: u16('CORP') }]),
    });
    const before = Date.now();
    const t3 = parseAuthenticate(buildAuthenticate({ challenge: parseChallenge(noTimestamp), ...base }));
    const after = Date.now();
    const stamp = t3.ntResponse.readBigUInt64LE(24);
    expect(stamp >= fileTime(before).readBigUInt64LE()).toBe(true);
    expect(stamp <= fileTime(after + 1).readBigUInt64LE()).toBe(true);
    expect(t3.lmResponse.length).toBe(24);
    expect(t3.lmResponse.equals(Buffer.alloc(24))).toBe(false);
    // LMv2 ends with the client challenge, which the blob carries too.
    expect(t3.lmResponse.subarray(16)).toEqual(t3.ntResponse.subarray(32, 40));
  });

  it('echoes the target info unchanged inside the blob', () => {
    const challenge = parseChallenge(sampleChallenge());
    const t3 = parseAuthenticate(buildAuthenticate({ challenge, ...base }));
    const blobInfo = t3.ntResponse.subarray(44, 44 + challenge.targetInfo.length);
    expect(blobInfo).toEqual(challenge.targetInfo);
    expect(t3.ntResponse.length).toBe(16 + 28 + challenge.targetInfo.length + 4);
  });

  it("sends the user's domain, not the challenge's target name (cntlm#83)", () => {
    const challenge = parseChallenge(sampleChallenge());
    const t3 = parseAuthenticate(buildAuthenticate({ challenge, ...base, domain: 'EMEA' }));
    expect(t3.domain).toBe('EMEA');
    expect(challenge.targetName).toBe('PROXYHOST');
    // And the proof depends on it: another domain gives another NTProofStr.
    const fixed = { clientChallenge: Buffer.alloc(8, 1), time: Buffer.alloc(8) };
    const a = buildAuthenticate({ challenge, ...base, ...fixed, domain: 'EMEA' });
    const b = buildAuthenticate({ challenge, ...base, ...fixed, domain: 'PROXYHOST' });
    expect(parseAuthenticate(a).ntResponse.subarray(0, 16)).not.toEqual(parseAuthenticate(b).ntResponse.subarray(0, 16));
  });

  it('draws a fresh random client challenge each time unless one is given', () => {
    const challenge = parseChallenge(sampleChallenge());
    const cc = (m: Buffer): string => parseAuthenticate(m).ntResponse.subarray(32, 40).toString('hex');
    const seen = new Set(Array.from({ length: 20 }, () => cc(buildAuthenticate({ challenge, ...base }))));
    expect(seen.size).toBe(20);
    expect(cc(buildAuthenticate({ challenge, ...base, clientChallenge: Buffer.alloc(8, 0xab) }))).toBe('abababababababab');
  });

  it('answers with the flags both sides support, always UNICODE and NTLM', () => {
    const challenge = parseChallenge(sampleChallenge());
    const flags = parseAuthenticate(buildAuthenticate({ challenge, ...base })).flags;
    expect(flags).toBe((challenge.flags & CLIENT_FLAGS) >>> 0);
    expect(flags & (F.KEY_EXCH | F.SIGN | F.SEAL | F.LM_KEY | F.VERSION)).toBe(0);
  });

  it('a challenge without target info still gets an NTLMv2 response with an empty name list', () => {
    const bare = buildChallenge({ flags: F.UNICODE | F.NTLM, serverChallenge: Buffer.alloc(8, 9) });
    const c = parseChallenge(bare);
    expect(c.targetInfo.length).toBe(0);
    // 32-byte header only (the oldest layout, without the target info field at all).
    const old = Buffer.from(bare.subarray(0, 32));
    expect(parseChallenge(old).serverChallenge).toEqual(Buffer.alloc(8, 9));
    const t3 = parseAuthenticate(buildAuthenticate({ challenge: c, ...base }));
    expect(t3.ntResponse.length).toBe(16 + 28 + 4);
  });
});
