import { cryptoModule } from '../../../util/builtins';
import { md4 } from './md4';

export { parseNtHash } from '../../../config/nt-hash';

/** The NT hash (NTOWFv1, MS-NLMP 3.3.1): MD4 of the password in UTF-16LE. */
export function ntHash(password: string): Buffer {
  return md4(Buffer.from(password, 'utf16le'));
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = cryptoModule().createHmac('md5', key);
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
