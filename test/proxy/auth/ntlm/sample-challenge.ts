import { AV_ID, NTLM_FLAGS as F, buildChallenge, encodeAvPairs, fileTime } from '../../../../src/proxy/auth/ntlm/messages';

export const u16 = (s: string): Buffer => Buffer.from(s, 'utf16le');

export const SAMPLE_TIMESTAMP = fileTime(Date.UTC(2026, 0, 2, 3, 4, 5));

/** A challenge like Samba's: domain and computer names, DNS names and a timestamp. */
export function sampleChallenge(opts: { timestamp?: Buffer; version?: Buffer } = {}): Buffer {
  return buildChallenge({
    flags: F.UNICODE | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128 | F.TARGET_TYPE_SERVER,
    serverChallenge: Buffer.from('1122334455667788', 'hex'),
    targetName: 'PROXYHOST',
    targetInfo: encodeAvPairs([
      { id: AV_ID.NB_DOMAIN_NAME, value: u16('PROXYHOST') },
      { id: AV_ID.NB_COMPUTER_NAME, value: u16('PROXYHOST') },
      { id: AV_ID.DNS_DOMAIN_NAME, value: u16('test.example') },
      { id: AV_ID.DNS_COMPUTER_NAME, value: u16('proxy.test.example') },
      { id: AV_ID.TIMESTAMP, value: opts.timestamp ?? SAMPLE_TIMESTAMP },
    ]),
    ...(opts.version ? { version: opts.version } : {}),
  });
}
