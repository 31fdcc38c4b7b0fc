import net from 'node:net';
import tls from 'node:tls';
import { configFromArgs } from '../../src/cli/runtime';
import { parseCommandLine } from '../../src/cli/args';
import { silentLogger } from '../../src/log/logger';
import { TunnelService } from '../../src/tunnel/service';
import { line, logged, MailServer, readUntil, startSmtpsServer, startSubmissionServer } from '../support/mail-servers';
import { startProxy, TestProxy } from '../support/squid';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { describeAsRoot } from '../support/root';

// As in the IMAP test: real ports (587, 465; tests run as root) on loopback addresses of their own.
const SERVER = '127.0.99.4';
const LISTEN = '127.0.99.3';

describeAsRoot('the mail servers listen on 587 and 465')('--preset gmail, SMTP with STARTTLS and over TLS through squid', () => {
  let cert: TestCertificate;
  let proxy: TestProxy;
  let servers: MailServer[];
  let service: TunnelService;

  beforeAll(async () => {
    cert = makeTestCertificate(['smtp.gmail.com']);
    servers = [
      await startSubmissionServer(SERVER, 587, cert, 'smtp.gmail.com'),
      await startSmtpsServer(SERVER, 465, cert, 'smtp.gmail.com'),
    ];
    proxy = await startProxy({ hosts: { 'imap.gmail.com': SERVER, 'smtp.gmail.com': SERVER } });
    const args = parseCommandLine(['--preset', 'gmail', '-p', proxy.url, '--mode', 'proxy', '-l', LISTEN]);
    const config = configFromArgs(args, { stdout: () => undefined, stderr: () => undefined, env: {} }, args.positionals);
    service = new TunnelService({ config, logger: silentLogger });
    await service.start();
  });
  afterAll(async () => {
    await service?.close();
    for (const s of servers ?? []) await s.close();
    await proxy?.stop();
  });

  function upgrade(plain: net.Socket, servername: string): Promise<tls.TLSSocket> {
    return new Promise((resolve, reject) => {
      const secure = tls.connect({ socket: plain, servername, ca: cert.ca });
      secure.once('secureConnect', () => resolve(secure));
      secure.once('error', reject);
    });
  }

  async function startTls(servername: string): Promise<tls.TLSSocket> {
    const plain = net.connect({ host: LISTEN, port: 5587 });
    plain.on('error', () => undefined);
    // The server speaks first; the client has sent nothing yet.
    expect(await readUntil(plain, line)).toBe('220 smtp.gmail.com ESMTP ready\r\n');
    plain.write('EHLO client.example\r\n');
    expect(await readUntil(plain, (t) => t.includes('250 STARTTLS\r\n'))).toBe('250-smtp.gmail.com at your service\r\n250 STARTTLS\r\n');
    plain.write('STARTTLS\r\n');
    expect(await readUntil(plain, line)).toBe('220 2.0.0 Ready to start TLS\r\n');
    return upgrade(plain, servername);
  }

  it('submission on 5587: greeting in clear, STARTTLS, then a verified certificate for smtp.gmail.com', async () => {
    const secure = await startTls('smtp.gmail.com');
    expect(secure.authorized).toBe(true);
    expect(secure.getPeerCertificate().subjectaltname).toBe('DNS:smtp.gmail.com');
    secure.write('EHLO client.example\r\n');
    expect(await readUntil(secure, line)).toBe('250 smtp.gmail.com greets you over TLS\r\n');
    secure.write('QUIT\r\n');
    expect(await readUntil(secure, line)).toBe('221 2.0.0 smtp.gmail.com closing\r\n');
    secure.destroy();
    expect(await logged(proxy.accessLog, /CONNECT smtp\.gmail\.com:587/)).toMatch(/CONNECT smtp\.gmail\.com:587/);
  });

  it('the STARTTLS check is real: another name is refused', async () => {
    await expect(startTls('smtp.example.org')).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('SMTPS on 4465: TLS first, then the greeting', async () => {
    const secure = await new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: LISTEN, port: 4465, servername: 'smtp.gmail.com', ca: cert.ca });
      s.once('secureConnect', () => resolve(s));
      s.once('error', reject);
    });
    expect(secure.authorized).toBe(true);
    expect(await readUntil(secure, line)).toBe('220 smtp.gmail.com ESMTP ready\r\n');
    secure.write('EHLO client.example\r\n');
    expect(await readUntil(secure, line)).toBe('250 smtp.gmail.com greets you over TLS\r\n');
    secure.destroy();
    expect(await logged(proxy.accessLog, /CONNECT smtp\.gmail\.com:465/)).toMatch(/CONNECT smtp\.gmail\.com:465/);
  });
});
