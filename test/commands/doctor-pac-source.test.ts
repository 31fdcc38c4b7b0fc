import { doctorCli as doctor, hostsFile, testHosts, testMail, TestMail } from '../support/doctor';
import { PacServer, startPacServer } from '../support/pac-server';
import { freePort } from '../support/ports';
import { startProxy, TestProxy, unavailableReason } from '../support/squid';

jest.setTimeout(60_000);

const skip = unavailableReason({ squid: 'apt-get install -y squid' });
const squidIt = skip ? it.skip : it;
const HOSTS = ['127.0.0.1 imap.test.example smtp.test.example'];

/**
 * doctor with a PAC (--pac): the PAC is a proxy source of its own; doctor says whether it loaded,
 * what it answers for each preset target, and checks each target through the proxy it names.
 */
describe('ptunnel doctor with a PAC', () => {
  let mail: TestMail;
  let squid: TestProxy | undefined;
  let pac: PacServer | undefined;
  beforeAll(async () => {
    mail = await testMail();
  });
  afterAll(async () => {
    await mail.close();
  });
  afterEach(async () => {
    await pac?.close();
    await squid?.stop();
    pac = undefined;
    squid = undefined;
  });

  squidIt('served over HTTP, naming a real squid: its answer per target, and CONNECT through that squid', async () => {
    squid = await startProxy({ hosts: testHosts });
    const answer = `PROXY 127.0.0.1:${squid.port}; DIRECT`;
    pac = await startPacServer({ body: `function FindProxyForURL(url, host) { return "${answer}"; }` });
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--pac', pac.url, '--hosts-file', hostsFile(HOSTS)]);
    expect(r.out).toMatch(new RegExp(`ok {3}proxy source +PAC ${pac.url}: loaded\n`));
    expect(r.out).toMatch(new RegExp(`ok {3}proxy source +PAC for imap\\.test\\.example:${mail.imapPort}: ${answer}\n`));
    expect(r.out).toMatch(new RegExp(`ok {3}proxy source +PAC for smtp\\.test\\.example:${mail.smtpPort}: ${answer}\n`));
    expect(r.out).toMatch(/ok {3}proxy +none configured: the PAC decides per target/);
    expect(r.out).toMatch(new RegExp(`ok {3}IMAP imap\\.test\\.example:${mail.imapPort} +CONNECT: HTTP/1\\.1 200 Connection established`));
    expect(squid.accessLog()).toContain(`CONNECT imap.test.example:${mail.imapPort}`);
    expect(pac.requests()).toBe(1);
    expect(r.code).toBe(0);
  });

  it('that cannot be fetched: the error and the fix; the targets are checked direct', async () => {
    const url = `http://127.0.0.1:${await freePort()}/proxy.pac`;
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--pac', url, '--hosts-file', hostsFile(HOSTS)]);
    expect(r.out).toContain(
      `FAIL proxy source                  PAC ${url}: cannot be fetched (ECONNREFUSED); fix: check the URL and that this machine is on the network that serves it (VPN), or raise --connect-timeout; meanwhile ptunnel goes direct\n`,
    );
    // Without a PAC there is no proxy: the targets are checked as ptunnel would carry them, direct.
    expect(r.out).toMatch(new RegExp(`IMAP imap\\.test\\.example:${mail.imapPort} +direct connection: `));
  });

  it('that does not answer: the timeout and the fix', async () => {
    pac = await startPacServer({ hang: true });
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--pac', pac.url, '--connect-timeout', '1s', '--hosts-file', hostsFile(HOSTS)]);
    expect(r.out).toMatch(new RegExp(`FAIL proxy source +PAC ${pac.url}: cannot be fetched \\(no answer within 1000 ms\\); fix: check the URL`));
  });

  it('that is broken: the error, the fix, and no target checked', async () => {
    pac = await startPacServer({ body: 'function FindProxyForURL(url, host) { return 42; }' });
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--pac', pac.url, '--hosts-file', hostsFile(HOSTS)]);
    expect(r.out).toMatch(/FAIL proxy source +PAC for imap\.test\.example:\d+: PAC FindProxyForURL returned number, not a string .*; fix: fix the PAC file/);
    expect(r.out).toMatch(/FAIL IMAP imap\.test\.example:\d+ +not checked: PAC FindProxyForURL returned number, not a string .*; fix: see the PAC line above/);
    expect(r.code).toBe(1);
  });
});
