import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { makeTestCertificate } from '../support/test-ca';
import { usageErrorOf } from './config-helpers';

/* A --proxy-ca without a usable certificate was accepted, and then every connection failed. */
const dir = mkdtempSync(join(tmpdir(), 'ptunnel-proxy-ca-'));
const { ca, key } = makeTestCertificate(['proxy.example']);
const pem = ca.toString();
let n = 0;
function caFile(text: string | Buffer): string {
  const path = join(dir, `ca-${n++}.pem`);
  writeFileSync(path, text);
  return path;
}
const load = (file: string) => loadConfig({ env: { PTUNNEL_PROXY: 'https://proxy.example:3128', PTUNNEL_PROXY_CA: file } });

it('takes a PEM bundle of certificates, comments around them included', () => {
  const file = caFile(`# corporate CA\n${pem}\n${pem}`);
  expect(load(file).proxy?.ca?.toString()).toContain('BEGIN CERTIFICATE');
});

it.each([
  ['garbage', 'not a certificate at all\n', /holds no PEM certificate \(-----BEGIN CERTIFICATE-----\)/],
  ['an empty file', '', /holds no PEM certificate/],
  ['a private key only', key.toString(), /holds a private key but no certificate/],
  ['a truncated PEM', pem.slice(0, pem.length / 2), /certificate 1 is cut short \(no -----END CERTIFICATE----- line\)/],
  ['a damaged certificate', pem.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!'), /certificate 1 cannot be parsed/],
  ['a good one then a truncated one', `${pem}${pem.slice(0, 100)}`, /certificate 2 is cut short/],
])('refuses %s in one line naming the file', (_what, text, problem) => {
  const file = caFile(text);
  const { message } = usageErrorOf(() => load(file));
  expect(message).toContain(`proxy CA file ${file}`);
  expect(message).toMatch(problem);
  expect(message).not.toContain('\n');
  expect(message).not.toContain('PRIVATE KEY-----\n');
});
