import { usageError } from '../errors';

/**
 * The value of a `--proxy-nt-hash-file`: the NT hash as 32 hex digits, surrounding whitespace
 * (a trailing newline) allowed. The error never shows the content: a near-miss is a secret.
 * Here rather than with the NTLM codec so the file is checked at start-up, with the settings.
 */
export function parseNtHash(text: string): Buffer {
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) {
    const what = hex.length === 32 ? '32 characters, not all hex digits' : `${hex.length} characters`;
    throw usageError('ERR_CONFIG', `the NT hash file must hold just the NT hash, 32 hex digits (it holds ${what}); write only the hash to it`);
  }
  return Buffer.from(hex, 'hex');
}
