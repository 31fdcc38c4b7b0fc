import net from 'node:net';
import tls from 'node:tls';
import type { TestCertificate } from './test-ca';

/**
 * Reads until `done` accepts what arrived, then pauses the socket so that nothing is lost
 * before the next reader (or a TLS upgrade) takes over. Mail protocols are lock-step, so a
 * line never arrives together with the next one here.
 */
export function readUntil(socket: net.Socket, done: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => finish(new Error(`timed out waiting; got ${JSON.stringify(text)}`)), timeoutMs).unref();
    const onData = (c: Buffer) => {
      text += c.toString('utf8');
      if (done(text)) finish();
    };
    const onEnd = () => finish(new Error(`connection ended; got ${JSON.stringify(text)}`));
    const finish = (err?: Error) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', finish);
      socket.pause();
      if (err) reject(err);
      else resolve(text);
    };
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', finish);
    socket.resume();
  });
}

export const line = (text: string) => text.endsWith('\r\n');

export interface MailServer {
  close(): Promise<void>;
}

function track(server: net.Server, host: string, port: number): Promise<MailServer> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}

/** IMAP over TLS (port 993): the greeting comes first, then LOGOUT ends the session. */
export function startImapsServer(host: string, port: number, cert: TestCertificate, name: string): Promise<MailServer> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, async (s) => {
    s.on('error', () => undefined);
    s.write(`* OK [CAPABILITY IMAP4rev1] ${name} ready\r\n`);
    const command = await readUntil(s, line).catch(() => '');
    const tag = command.split(' ')[0] ?? '*';
    s.end(`* BYE ${name} logging out\r\n${tag} OK LOGOUT completed\r\n`);
  });
  return track(server, host, port);
}

async function smtpSession(s: net.Socket, name: string, secured: boolean): Promise<void> {
  const ehlo = await readUntil(s, line);
  if (!ehlo.startsWith('EHLO ')) return void s.end('500 expected EHLO\r\n');
  s.write(secured ? `250 ${name} greets you over TLS\r\n` : `250-${name} at your service\r\n250 STARTTLS\r\n`);
  const next = await readUntil(s, line);
  if (next === 'QUIT\r\n') return void s.end(`221 2.0.0 ${name} closing\r\n`);
  s.end('500 unexpected command\r\n');
}

/** SMTP submission (port 587): plain greeting and EHLO, STARTTLS, then EHLO again inside TLS. */
export function startSubmissionServer(host: string, port: number, cert: TestCertificate, name: string): Promise<MailServer> {
  const server = net.createServer(async (plain) => {
    plain.on('error', () => undefined);
    plain.write(`220 ${name} ESMTP ready\r\n`);
    try {
      const ehlo = await readUntil(plain, line);
      if (!ehlo.startsWith('EHLO ')) return void plain.end('500 expected EHLO\r\n');
      plain.write(`250-${name} at your service\r\n250 STARTTLS\r\n`);
      if ((await readUntil(plain, line)) !== 'STARTTLS\r\n') return void plain.end('530 must issue STARTTLS first\r\n');
      plain.write('220 2.0.0 Ready to start TLS\r\n');
      const secure = new tls.TLSSocket(plain, { isServer: true, secureContext: tls.createSecureContext({ key: cert.key, cert: cert.cert }) });
      secure.on('error', () => undefined);
      await smtpSession(secure, name, true);
    } catch {
      plain.destroy();
    }
  });
  return track(server, host, port);
}

/** SMTP over TLS (port 465): TLS first, then the greeting. */
export function startSmtpsServer(host: string, port: number, cert: TestCertificate, name: string): Promise<MailServer> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (s) => {
    s.on('error', () => undefined);
    s.write(`220 ${name} ESMTP ready\r\n`);
    smtpSession(s, name, true).catch(() => s.destroy());
  });
  return track(server, host, port);
}

/** Squid writes its access log line when a tunnel closes, which is a moment after the client's close. */
export async function logged(read: () => string, pattern: RegExp, timeoutMs = 5000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (pattern.test(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 50));
  }
}
