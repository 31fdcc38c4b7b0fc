import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from './tools';

export interface TestCertificate {
  /** The CA certificate a client trusts (and nothing else). */
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
}

/** A throw-away CA and a server certificate it signs for `names`, made with openssl. */
export function makeTestCertificate(names: string[]): TestCertificate {
  const openssl = requireTool('openssl', 'apt-get install -y openssl');
  if (!openssl) throw new Error('openssl is needed to make the test CA (apt-get install -y openssl)');
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-ca-'));
  const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  try {
    run('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ptunnel test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
    run('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${names[0]}`);
    writeFileSync(
      join(dir, 'server.ext'),
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`,
    );
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'server.ext');
    return { ca: readFileSync(join(dir, 'ca.pem')), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
