import tls from 'node:tls';
import { configFromArgs } from '../../src/cli/runtime';
import { parseCommandLine } from '../../src/cli/args';
import { silentLogger } from '../../src/log/logger';
import { TunnelService } from '../../src/tunnel/service';
import { line, logged, MailServer, readUntil, startImapsServer } from '../support/mail-servers';
import { startProxy, TestProxy } from '../support/squid';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { describeAsRoot } from '../support/root';

/*
 * The real preset, the real ports: the IMAP server listens on 993 (tests run as root), squid
 * resolves imap.gmail.com to it, and ptunnel listens on the preset's 9993. Both sit on loopback
 * addresses of their own (all of 127/8 is loopback on Linux) so that a real ptunnel or mail
 * server on 127.0.0.1 cannot disturb the test, and nothing leaves the machine.
 */
const SERVER = '127.0.99.2';
const LISTEN = '127.0.99.1';

describeAsRoot('the mail server listens on 993')('--preset gmail, IMAP over TLS through squid', () => {
  let cert: TestCertificate;
  let proxy: TestProxy;
  let server: MailServer;
  let service: TunnelService;

  beforeAll(async () => {
    cert = makeTestCertificate(['imap.gmail.com', 'smtp.gmail.com']);
    server = await startImapsServer(SERVER, 993, cert, 'imap.gmail.com');
    proxy = await startProxy({ hosts: { 'imap.gmail.com': SERVER, 'smtp.gmail.com': SERVER } });
    const args = parseCommandLine(['--preset', 'gmail', '--proxy', proxy.url, '--mode', 'proxy', '--listen', LISTEN]);
    const config = configFromArgs(args, { stdout: () => undefined, stderr: () => undefined, env: {} }, args.positionals);
    service = new TunnelService({ config, logger: silentLogger });
    await service.start();
  });
  afterAll(async () => {
    await service?.close();
    await server?.close();
    await proxy?.stop();
  });

  function connect(servername: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: LISTEN, port: 9993, servername, ca: cert.ca });
      socket.once('secureConnect', () => resolve(socket));
      socket.once('error', reject);
    });
  }

  it('verifies the certificate for imap.gmail.com and reads the greeting the server sends first', async () => {
    expect(service.snapshot().tunnels.map((t) => t.port)).toEqual([9993, 5587, 4465]);
    const socket = await connect('imap.gmail.com');
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subjectaltname).toContain('DNS:imap.gmail.com');
    const greeting = await readUntil(socket, line);
    expect(greeting).toBe('* OK [CAPABILITY IMAP4rev1] imap.gmail.com ready\r\n');
    socket.write('a1 LOGOUT\r\n');
    const bye = await readUntil(socket, (t) => t.includes('a1 OK'));
    expect(bye).toBe('* BYE imap.gmail.com logging out\r\na1 OK LOGOUT completed\r\n');
    socket.destroy();
    // squid got the name, not an address: the hosts-file entry for the client never reaches it.
    expect(await logged(proxy.accessLog, /CONNECT imap\.gmail\.com:993/)).toMatch(/CONNECT imap\.gmail\.com:993/);
  });

  it('is a real check: a name the certificate does not carry is refused', async () => {
    await expect(connect('imap.example.org')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });
});
