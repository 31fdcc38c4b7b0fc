import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange } from '../support/client';
import { startProxy, TestProxy } from '../support/squid';
import { serve, TestServer } from '../support/servers';
import { makeTestCertificate, TestCertificate } from '../support/test-ca';
import { startTunnel } from '../support/tunnel';

/** Starts a TLS server with `cert` that never gets as far as reading a CONNECT. */
function tlsProxy(cert: TestCertificate): Promise<{ port: number; close: () => Promise<void> }> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => socket.on('error', () => undefined));
  server.on('tlsClientError', () => undefined);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () =>
      resolve({ port: (server.address() as net.AddressInfo).port, close: () => new Promise((done) => server.close(() => done())) }),
    );
  });
}

describe('TLS to the proxy failing: one line, with the hint for that failure', () => {
  let dir: string;
  let cert: TestCertificate;
  let caFile: string;
  let squid: TestProxy;
  let plain: TestServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-tls-hints-'));
    cert = makeTestCertificate(['proxy.test']);
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, cert.ca);
    squid = await startProxy();
    // A plain HTTP server: whatever it is sent, it answers 400 as text.
    plain = await serve((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n')));
  });
  afterAll(async () => {
    await squid?.stop();
    await plain?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function failure(flags: Record<string, unknown>): Promise<{ outcome: string; message: string }> {
    const tunnel = await startTunnel({ flags: { mode: 'proxy', connectTimeout: '3s', tunnels: ['0:127.0.0.1:9'], ...flags } });
    const result = await exchange(tunnel.port(), 'x');
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    expect(result.received.length).toBe(0);
    return { outcome: String(record?.outcome), message: record?.error?.message ?? '' };
  }

  it.each([
    ['plain squid', () => squid.port],
    ['a plain HTTP server', () => plain.port],
  ])('an https:// URL pointed at %s: "did not answer TLS", use http://', async (_name, port) => {
    const { outcome, message } = await failure({ 'proxy.url': `https://127.0.0.1:${port()}` });
    expect(outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(message).toBe(`the proxy at https://127.0.0.1:${port()} did not answer TLS: is it an http:// proxy? use http://127.0.0.1:${port()} in --proxy`);
  });

  it('a certificate for another name: names the certificate\'s names, not --proxy-ca', async () => {
    const proxy = await tlsProxy(cert);
    const { outcome, message } = await failure({ 'proxy.url': `https://127.0.0.1:${proxy.port}`, 'proxy.ca': caFile });
    await proxy.close();
    expect(outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(message).toBe(`the certificate of proxy https://127.0.0.1:${proxy.port} is for proxy.test, not 127.0.0.1: use the name on the certificate in --proxy`);
  });

  it('a certificate from a CA that was not given: give it with --proxy-ca', async () => {
    const proxy = await tlsProxy(cert);
    const { outcome, message } = await failure({ 'proxy.url': `https://127.0.0.1:${proxy.port}` });
    await proxy.close();
    expect(outcome).toBe('ERR_PROXY_PROTOCOL');
    expect(message).toBe(`the certificate of proxy https://127.0.0.1:${proxy.port} is signed by an unknown CA: give its CA with --proxy-ca FILE`);
  });

  it('a certificate from another CA than the one given: that CA did not sign it', async () => {
    const proxy = await tlsProxy(cert);
    const other = makeTestCertificate(['proxy.test']);
    const otherFile = join(dir, 'other-ca.pem');
    writeFileSync(otherFile, other.ca);
    const { message } = await failure({ 'proxy.url': `https://127.0.0.1:${proxy.port}`, 'proxy.ca': otherFile });
    await proxy.close();
    expect(message).toBe(`the certificate of proxy https://127.0.0.1:${proxy.port} is not signed by the CA in --proxy-ca: give the CA that signed it`);
  });
});
