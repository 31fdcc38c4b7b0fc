import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor, hostsFile } from '../support/doctor';
import { startImapsServer } from '../support/mail-servers';
import { NtlmSquid, ntlmSquidUnavailable, startNtlmSquid } from '../support/ntlm-squid';
import { freePort } from '../support/ports';
import { makeTestCertificate } from '../support/test-ca';

jest.setTimeout(90_000);

/** A preset whose IMAPS server is given by address: this squid resolves no test names. */
function addressPreset(port: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-doctor-presets-'));
  writeFileSync(
    join(dir, 'byaddress.yaml'),
    ['name: byaddress', 'description: an IMAPS server by address', 'tunnels:', `  - { local: 19993, host: 127.0.0.1, port: ${port} }`, 'client:', `  - { protocol: IMAP, server: 127.0.0.1, port: ${port}, security: SSL/TLS }`, 'notes: []', ''].join('\n'),
  );
  return dir;
}

function passwordFile(password: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-doctor-pw-')), 'pw');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return file;
}

/*
 * Behind an NTLM proxy (squid + Samba's ntlm_auth), doctor checks CONNECT the way the tunnels
 * make it: the NTLM rounds on one connection, not a one-shot probe that can only send Basic.
 */
const unavailable = ntlmSquidUnavailable();
(unavailable ? describe.skip : describe)(`ptunnel doctor behind an NTLM proxy${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let squid: NtlmSquid;
  let imap: { close(): Promise<void> };
  let port: number;
  let presets: string;
  beforeAll(async () => {
    squid = await startNtlmSquid({ user: 'ptdoctor', password: 'Mail works' });
    port = await freePort();
    imap = await startImapsServer('127.0.0.1', port, makeTestCertificate(['imap.test.example']), 'imap.test.example');
    presets = addressPreset(port);
  }, 60_000);
  afterAll(async () => {
    await imap?.close();
    await squid?.stop();
  });

  const run = (password: string) =>
    doctor(['--preset', 'byaddress', '--presets-dir', presets, '--hosts-file', hostsFile([]), '--proxy', squid.url, '--mode', 'proxy', '--user', `${squid.domain}\\${squid.user}`, '--proxy-password-file', passwordFile(password)]);

  it('the right password: CONNECT with NTLM succeeds and the certificate is shown', async () => {
    const r = await run('Mail works');
    expect(r.out).toMatch(new RegExp(`ok +IMAP 127\\.0\\.0\\.1:${port} +CONNECT with NTLM \\(the proxy offers: [^)]*NTLM[^)]*\\): HTTP/1\\.1 200 Connection established\\n`));
    expect(r.out).toMatch(new RegExp(`ok +IMAP 127\\.0\\.0\\.1:${port} +TLS: subject CN=imap\\.test\\.example`));
    expect(r.out).not.toContain('Mail works');
  });

  it('a wrong password: one FAIL line saying NTLM refused the user, with the fix', async () => {
    const r = await run('not it');
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`FAIL IMAP 127\\.0\\.0\\.1:${port} +CONNECT with NTLM \\(the proxy offers: [^)]*\\): proxy .* rejected the credentials for .*ptdoctor.* \\(407\\) to NTLM authentication.*; fix: ptunnel would fail the same way; see the message`));
    expect(r.out).not.toContain('not it');
  });
});
