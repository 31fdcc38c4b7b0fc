import { doctor, hostsFile, testMail, TestMail } from '../support/doctor';
import { Dnsmasq, startDnsmasq } from '../support/dnsmasq';

jest.setTimeout(60_000);

/*
 * Direct, a tunnel reaches its target at the address ptunnel's own resolver gives, never the
 * hosts file's (which points the mail names at ptunnel): doctor checks that same address, so a
 * name only ptunnel's resolver knows is "open", and one it cannot resolve gets the DNS fix, not
 * "this network blocks the port".
 */
describe('ptunnel doctor --mode direct resolves targets as the tunnels do', () => {
  let mail: TestMail;
  let dns: Dnsmasq;
  beforeAll(async () => {
    mail = await testMail();
    dns = await startDnsmasq({ hosts: { 'imap.test.example': ['127.0.0.1'] }, nxDomains: ['smtp.test.example'] });
  });
  afterAll(async () => {
    await dns?.stop();
    await mail?.close();
  });

  it('connects to the address from --dns, and names the resolver when it has none', async () => {
    const hosts = hostsFile(['127.0.0.1 imap.test.example smtp.test.example']);
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--hosts-file', hosts, '--mode', 'direct', '--dns', dns.spec, '--dns-allow', '127.0.0.0/8']);
    expect(r.out).toMatch(new RegExp(`ok +IMAP imap\\.test\\.example:${mail.imapPort} +direct connection: open\\n`));
    expect(r.out).toMatch(new RegExp(`ok +IMAP imap\\.test\\.example:${mail.imapPort} +TLS: subject CN=imap\\.test\\.example`));
    expect(r.out).toMatch(
      new RegExp(
        `FAIL SMTP smtp\\.test\\.example:${mail.smtpPort} +direct connection: ptunnel's resolver has no address for it \\(ERR_DNS_NXDOMAIN\\); fix: ptunnel resolves names with its own DNS servers, never the hosts file: check --dns \\(and ptunnel resolve NAME\\), or give --proxy\\n`,
      ),
    );
    expect(r.code).toBe(1);
  });
});
