import { createHmac } from 'node:crypto';
import { usageError } from '../../../errors';
import { md4 } from './md4';

/** The NT hash (NTOWFv1, MS-NLMP 3.3.1): MD4 of the password in UTF-16LE. */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

/**
 * The value of a `--proxy-nt-hash-file`: the NT hash as 32 hex digits, surrounding whitespace
 * (a trailing newline) allowed. The error never shows the content: a near-miss is a secret.
 */
export function parseNtHash(text: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    const what = hex.length === 32 ? '32 characters, not all hex digits' : `${hex.length} characters`;
    throw usageError('ERR_CONFIG', `the NT hash file must hold just the NT hash, 32 hex digits (it holds ${what}); write only the hash to it`);
  }
  return Buffer.from(hex, 'hex');
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * NTOWFv2 (MS-NLMP 3.3.2): HMAC-MD5 keyed with the NT hash over UPPER(user) + domain in
 * UTF-16LE. The domain keeps its case: the server computes it the same way from what we send.
 */
export function ntowfV2(ntHashValue: Uint8Array, user: string, domain: string): Buffer {
  return hmacMd5(ntHashValue, Buffer.from(user.toUpperCase() + domain, 'utf16le'));
}
