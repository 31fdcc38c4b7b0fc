import { usageError } from '../errors';
import { cryptoModule } from '../util/builtins';
import { readNamedFile } from '../util/files';

const BEGIN = '-----BEGIN CERTIFICATE-----';
const END = '-----END CERTIFICATE-----';

/** What is wrong with a CA bundle, or undefined when every certificate in it parses. */
function caProblem(text: string): string | undefined {
  const starts = [...text.matchAll(/-----BEGIN CERTIFICATE-----/g)].map((m) => m.index as number);
  if (starts.length === 0) {
    return /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)
      ? 'holds a private key but no certificate; give the CA certificate (-----BEGIN CERTIFICATE-----), not a key'
      : `holds no PEM certificate (${BEGIN}); give the CA certificate in PEM form`;
  }
  for (const [i, start] of starts.entries()) {
    const end = text.indexOf(END, start);
    const next = starts[i + 1] ?? Infinity;
    if (end < 0 || end > next) return `certificate ${i + 1} is cut short (no ${END} line)`;
    try {
      new (cryptoModule().X509Certificate)(text.slice(start, end + END.length));
    } catch (err) {
      return `certificate ${i + 1} cannot be parsed (${(err as Error).message.split('\n')[0] ?? ''})`;
    }
  }
  return undefined;
}

/**
 * The proxy CA bundle, checked now: a file without one usable certificate would otherwise be
 * accepted at start-up and fail every connection later with an unknown-CA error.
 */
export function readCaFile(file: string): Buffer {
  const what = 'proxy CA file';
  const ca = readNamedFile(file, what, 'ERR_CONFIG');
  const problem = caProblem(ca.toString('latin1'));
  if (problem !== undefined) throw usageError('ERR_CONFIG', `${what} ${file} ${problem}`);
  return ca;
}
