import { randomBytes } from 'node:crypto';
import { AV_ID, buildChallenge, encodeAvPairs, NTLM_FLAGS } from '../../../src/proxy/auth/ntlm/messages';

/** A type 2 challenge as a test proxy sends it, with or without target info. */
export function ntlmChallenge(opts: { targetInfo?: boolean; targetName?: string } = {}): string {
  const info = encodeAvPairs([
    { id: AV_ID.NB_DOMAIN_NAME, value: Buffer.from('SERVERREALM', 'utf16le') },
    { id: AV_ID.NB_COMPUTER_NAME, value: Buffer.from('PROXY', 'utf16le') },
    { id: AV_ID.EOL, value: Buffer.alloc(0) },
  ]);
  const msg = buildChallenge({
    flags: NTLM_FLAGS.UNICODE | NTLM_FLAGS.NTLM | NTLM_FLAGS.EXTENDED_SESSIONSECURITY | NTLM_FLAGS.TARGET_TYPE_DOMAIN,
    serverChallenge: randomBytes(8),
    targetName: opts.targetName ?? 'SERVERREALM',
    ...(opts.targetInfo === false ? {} : { targetInfo: info }),
  });
  return `NTLM ${msg.toString('base64')}`;
}
