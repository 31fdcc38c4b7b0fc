import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/cli/main';
import { captureIo } from '../support/cli';
import { doctor, hostsFile, testHosts, testMail } from '../support/doctor';
import { sslBumpUnavailable, startProxy, TestProxy, unavailableReason } from '../support/squid';

jest.setTimeout(60_000);

const skip = unavailableReason({ squid: 'apt-get install -y squid' });
const bumpSkip = skip ?? sslBumpUnavailable();
const squidIt = skip ? it.skip : it;
const bumpIt = bumpSkip ? it.skip : it;

const GMAIL_HOSTS = ['127.0.0.1 imap.gmail.com', '127.0.0.1 smtp.gmail.com'];

describe('ptunnel doctor against real squids', () => {
  let proxy: TestProxy | undefined;
  afterEach(async () => {
    await proxy?.stop();
    proxy = undefined;
  });

  squidIt('a squid that allows CONNECT only to 443: 403 on the mail ports, with the fix; exit 1', async () => {
    proxy = await startProxy({ connectPorts: [443] });
    const r = await doctor(['--preset', 'gmail', '--proxy', proxy.url, '--hosts-file', hostsFile(GMAIL_HOSTS)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ok {3}proxy +http:\/\/127\.0\.0\.1:\d+: reachable/);
    for (const t of ['IMAP imap.gmail.com:993', 'SMTP smtp.gmail.com:587', 'SMTP smtp.gmail.com:465']) {
      expect(r.out).toContain(`FAIL ${t}`);
    }
    expect(r.out).toMatch(/CONNECT: HTTP\/1\.1 403 Forbidden; fix: ask the proxy admin to allow CONNECT to this port/);
  });

  squidIt('a squid that demands auth: 407 with the schemes it offers; exit 1', async () => {
    proxy = await startProxy({ requireAuth: true });
    const r = await doctor(['--preset', 'gmail', '--proxy', proxy.url, '--hosts-file', hostsFile(GMAIL_HOSTS)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/CONNECT: HTTP\/1\.1 407 Proxy Authentication Required; the proxy offers: Basic; fix: give --user /);
  });

  squidIt('a squid that is down: unreachable, with the fix; exit 1', async () => {
    proxy = await startProxy();
    await proxy.kill();
    const r = await doctor(['--preset', 'gmail', '--proxy', proxy.url, '--mode', 'proxy', '--hosts-file', hostsFile(GMAIL_HOSTS)]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/FAIL proxy +http:\/\/127\.0\.0\.1:\d+: unreachable \(ECONNREFUSED\); fix: check the proxy address/);
    expect(r.out).toMatch(/not checked: the proxy is unreachable and mode is proxy/);
  });

  squidIt('a squid that lets everything through: 200, the certificates (after STARTTLS on submission); a hosts file without the lines fails', async () => {
    const mail = await testMail();
    try {
      proxy = await startProxy({ hosts: testHosts });
      const ok = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--proxy', proxy.url, '--hosts-file', hostsFile(['127.0.0.1 imap.test.example smtp.test.example'])]);
      expect(ok.out).toMatch(/ok {3}IMAP imap\.test\.example:\d+ +TLS: subject CN=imap\.test\.example; issuer CN=ptunnel test CA; SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
      expect(ok.out).toMatch(/ok {3}SMTP smtp\.test\.example:\d+ +TLS after STARTTLS: subject CN=imap\.test\.example; issuer CN=ptunnel test CA/);
      expect(ok.code).toBe(0);
      const json = captureIo({});
      await dispatch(['doctor', '--dns', '127.0.0.1:1', '--json', '--preset', 'testmail', '--presets-dir', mail.dir, '--proxy', proxy.url, '--hosts-file', hostsFile([])], json.io);
      const report = JSON.parse(json.out.stdout) as { ok: boolean; findings: { topic: string; ok: boolean; fix?: string }[] };
      expect(report.ok).toBe(false);
      expect(report.findings.find((f) => f.topic === 'name imap.test.example' && !f.ok)?.fix).toMatch(/^ptunnel hosts --preset testmail --apply/);
    } finally {
      await mail.close();
    }
  });

  bumpIt('a TLS-inspecting squid (ssl_bump): the certificate is issued by the corporate CA', async () => {
    const mail = await testMail();
    try {
      proxy = await startProxy({ hosts: testHosts, sslBump: corporateCa() });
      const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--proxy', proxy.url, '--hosts-file', hostsFile(['127.0.0.1 imap.test.example smtp.test.example'])]);
      expect(r.out).toMatch(/IMAP imap\.test\.example:\d+ +TLS: subject CN=imap\.test\.example(, .*)?; issuer CN=Corp Inspection CA/);
      // squid peeks for a ClientHello and holds SMTP's banner: doctor says so rather than "closed".
      expect(r.out).toMatch(/FAIL SMTP smtp\.test\.example:\d+ +STARTTLS: the server sent no greeting within \d+ ms \(a TLS-inspecting proxy .*\); fix: ask the proxy admin for a TLS-inspection exception/);
      expect(r.code).toBe(1);
    } finally {
      await mail.close();
    }
  });
});

/** The corporate CA squid signs with: makeTestCertificate does not keep its CA key. */
function corporateCa(): { cert: Buffer; key: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-corp-ca-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.pem'), '-days', '2', '-subj', '/CN=Corp Inspection CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], { stdio: 'pipe' });
  return { cert: readFileSync(join(dir, 'ca.pem')), key: readFileSync(join(dir, 'ca.key')) };
}
