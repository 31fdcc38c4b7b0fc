import { ntHash, ntowfV2 } from '../../../../src/proxy/auth/ntlm/hash';
import {
  AV_ID,
  buildAuthenticate,
  ntlmV2Responses,
  parseAuthenticate,
  parseChallenge,
} from '../../../../src/proxy/auth/ntlm/messages';

/**
 * The published example of MS-NLMP section 4.2.4 ("NTLMv2 Authentication"), with the common
 * values of 4.2.1: User "User", UserDom "Domain", Passwd "Password", workstation "COMPUTER",
 * ServerChallenge 0123456789abcdef, ClientChallenge aaaaaaaaaaaaaaaa, Time 0, and the target info
 * of the challenge in 4.2.4 (MsvAvNbDomainName "Domain", MsvAvNbComputerName "Server"). Every hex
 * string below is the spec's, not computed here.
 */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const SPEC = {
  // 4.2.4.1.1 NTOWFv2() and LMOWFv2()
  responseKeyNT: '0c868a403bfd7a93a3001ef22ef02e3f',
  // 4.2.4.2.1 LMv2 Response
  lmv2Response: '86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa',
  // 4.2.4.2.2 NTLMv2 Response: NTProofStr, and the session base key of 4.2.4.1.2
  ntProofStr: '68cd0ab851e51c96aabc927bebef6a1c',
  sessionBaseKey: '8de40ccadbc14a82f15cb0ad0de95ca3',
  // 4.2.4.3 Messages: the CHALLENGE_MESSAGE
  challenge: hex(`
    4e544c4d53535000020000000c000c00 3800000033828ae20123456789abcdef
    00000000000000002400240044000000 060070170000000f5300650072007600
    6500720002000c0044006f006d006100 69006e0001000c005300650072007600
    6500720000000000`),
  // 4.2.4.3 Messages: the AUTHENTICATE_MESSAGE, as printed (flags 0xe2888235, version 05 01
  // 28 0a ... 0f, and the EncryptedRandomSessionKey of 4.2.4.2.3, a KEY_EXCH value ptunnel
  // does not negotiate and so takes here as given).
  authenticate: hex(`
    4e544c4d535350000300000018001800 6c00000054005400840000000c000c00
    48000000080008005400000010001000 5c00000010001000d8000000358288e2
    0501280a0000000f44006f006d006100 69006e00550073006500720043004f00
    4d005000550054004500520086c35097 ac9cec102554764a57cccc19aaaaaaaa
    aaaaaaaa68cd0ab851e51c96aabc927b ebef6a1c010100000000000000000000
    00000000aaaaaaaaaaaaaaaa00000000 02000c0044006f006d00610069006e00
    01000c00530065007200760065007200 0000000000000000c5dad2544fc97990
    94ce1ce90bc9d03e`),
  encryptedRandomSessionKey: 'c5dad2544fc9799094ce1ce90bc9d03e',
  authenticateFlags: 0xe2888235,
  authenticateVersion: '0501280a0000000f',
};

const credentials = { user: 'User', domain: 'Domain', workstation: 'COMPUTER', ntHash: ntHash('Password') };
const fixed = { clientChallenge: hex('aaaaaaaaaaaaaaaa'), time: Buffer.alloc(8) };

describe('NTLMv2 against the MS-NLMP 4.2.4 example', () => {
  it('NTOWFv2("Password", "User", "Domain") is the spec\'s ResponseKeyNT', () => {
    expect(ntowfV2(ntHash('Password'), 'User', 'Domain').toString('hex')).toBe(SPEC.responseKeyNT);
  });

  it("parses the spec's CHALLENGE_MESSAGE", () => {
    const c = parseChallenge(SPEC.challenge);
    expect(c.flags).toBe(0xe28a8233);
    expect(c.serverChallenge.toString('hex')).toBe('0123456789abcdef');
    expect(c.targetName).toBe('Server');
    expect(c.nbDomainName).toBe('Domain');
    expect(c.nbComputerName).toBe('Server');
    expect(c.avPairs.map((p) => p.id)).toEqual([AV_ID.NB_DOMAIN_NAME, AV_ID.NB_COMPUTER_NAME]);
    expect(c.timestamp).toBeUndefined();
    expect(c.version?.toString('hex')).toBe('060070170000000f');
    // Echoed unchanged, MsvAvEOL included.
    expect(c.targetInfo.toString('hex')).toBe('02000c0044006f006d00610069006e0001000c0053006500720076006500720000000000');
  });

  it("the challenge's base64 token parses the same as its bytes", () => {
    expect(parseChallenge(SPEC.challenge.toString('base64'))).toEqual(parseChallenge(SPEC.challenge));
  });

  it("computes the spec's LMv2 response, NTProofStr and session base key", () => {
    const r = ntlmV2Responses({ challenge: parseChallenge(SPEC.challenge), ...credentials, ...fixed });
    expect(r.lmResponse.toString('hex')).toBe(SPEC.lmv2Response);
    expect(r.ntProofStr.toString('hex')).toBe(SPEC.ntProofStr);
    expect(r.sessionBaseKey.toString('hex')).toBe(SPEC.sessionBaseKey);
  });

  it("builds the spec's AUTHENTICATE_MESSAGE byte for byte", () => {
    const msg = buildAuthenticate({
      challenge: parseChallenge(SPEC.challenge),
      ...credentials,
      ...fixed,
      flags: SPEC.authenticateFlags,
      version: hex(SPEC.authenticateVersion),
      encryptedRandomSessionKey: hex(SPEC.encryptedRandomSessionKey),
    });
    expect(msg.toString('hex')).toBe(SPEC.authenticate.toString('hex'));
  });

  it("parses the spec's AUTHENTICATE_MESSAGE into its fields", () => {
    const a = parseAuthenticate(SPEC.authenticate);
    expect(a).toMatchObject({ flags: SPEC.authenticateFlags, domain: 'Domain', user: 'User', workstation: 'COMPUTER' });
    expect(a.lmResponse.toString('hex')).toBe(SPEC.lmv2Response);
    expect(a.ntResponse.subarray(0, 16).toString('hex')).toBe(SPEC.ntProofStr);
    expect(a.version?.toString('hex')).toBe(SPEC.authenticateVersion);
  });

  it("with ptunnel's own flags, only the flags, version and session key differ from the spec's message", () => {
    const ours = parseAuthenticate(
      buildAuthenticate({ challenge: parseChallenge(SPEC.challenge), ...credentials, ...fixed }),
    );
    const spec = parseAuthenticate(SPEC.authenticate);
    expect(ours.lmResponse).toEqual(spec.lmResponse);
    expect(ours.ntResponse).toEqual(spec.ntResponse);
    expect([ours.domain, ours.user, ours.workstation]).toEqual([spec.domain, spec.user, spec.workstation]);
    expect(ours.encryptedRandomSessionKey.length).toBe(0);
    expect(ours.version).toBeUndefined();
  });
});
