import net from 'node:net';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { Atyp, Command, encodeAuth, encodeGreeting, encodeReply, encodeRequest, Method, Rep } from '../../src/listeners/socks/codec';
import { TEST_ENV } from '../support/cli';
import { freePort } from '../support/ports';
import { readReply } from '../support/socks-client';
import { RunningTunnel, startTunnel } from '../support/tunnel';

/** Every fault gets its protocol's refusal and the server behind never sees a connection. */
describe('SOCKS refusals open no upstream', () => {
  let echo: net.Server;
  let echoPort: number;
  let accepted = 0;
  let socksPort: number;
  let tunnel: RunningTunnel;

  beforeAll(async () => {
    echo = net.createServer((s) => {
      accepted += 1;
      s.pipe(s);
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    echoPort = (echo.address() as net.AddressInfo).port;
    socksPort = await freePort();
    tunnel = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${socksPort}` }, lookup: async () => [{ address: '127.0.0.1', family: 4 }] });
  });
  afterAll(async () => {
    await tunnel?.close();
    await new Promise((r) => echo?.close(r));
  });

  async function exchange(...messages: Buffer[]): Promise<{ bytes: Buffer; closed: boolean }> {
    const socket = net.connect(socksPort, '127.0.0.1');
    await new Promise<void>((r) => socket.once('connect', r));
    socket.on('error', () => undefined);
    for (const m of messages) socket.write(m);
    const reply = await readReply(socket, 64, 3000);
    socket.destroy();
    return reply;
  }
  const greet = encodeGreeting([Method.none]);
  const choice = [5, 0];
  const name255 = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`;

  it.each<[string, Buffer[], number[]]>([
    ['BIND', [greet, encodeRequest(Command.bind, { host: '127.0.0.1', port: 1 })], [...choice, ...encodeReply(Rep.commandNotSupported)]],
    ['UDP ASSOCIATE', [greet, encodeRequest(Command.udpAssociate, { host: '127.0.0.1', port: 1 })], [...choice, ...encodeReply(Rep.commandNotSupported)]],
    ['an unknown address type', [greet, Buffer.from([5, 1, 0, 9, 1, 2, 3, 4, 0, 80])], [...choice, ...encodeReply(Rep.addressTypeNotSupported)]],
    ['a 255-byte domain name', [greet, Buffer.concat([Buffer.from([5, 1, 0, Atyp.domain, 255]), Buffer.from(name255), Buffer.from([0, 80])])], [...choice, ...encodeReply(Rep.hostUnreachable)]],
    ['a name with CR/LF', [greet, Buffer.concat([Buffer.from([5, 1, 0, Atyp.domain, 9]), Buffer.from('a\r\nb.test'), Buffer.from([0, 80])])], [...choice, ...encodeReply(Rep.hostUnreachable)]],
    ['a greeting with no method', [Buffer.from([5, 0])], [5, 0xff]],
    ['a greeting offering only user/password', [encodeGreeting([Method.userPassword])], [5, 0xff]],
    ['an HTTP request instead of SOCKS', [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], []],
    ['a metadata address', [greet, encodeRequest(Command.connect, { host: '169.254.169.254', port: 80 })], [...choice, ...encodeReply(Rep.notAllowed)]],
    ['the IPv6 metadata address', [greet, encodeRequest(Command.connect, { host: 'fd00:ec2::254', port: 80 })], [...choice, ...encodeReply(Rep.notAllowed)]],
    ['port 0', [greet, encodeRequest(Command.connect, { host: '127.0.0.1', port: 0 })], [...choice, ...encodeReply(Rep.notAllowed)]],
    ['an oversized SOCKS4 user id', [Buffer.concat([Buffer.from([4, 1, 0, 80, 127, 0, 0, 1]), Buffer.alloc(600, 0x61)])], [0, 0x5b, 0, 0, 0, 0, 0, 0]],
    ['SOCKS4 BIND', [Buffer.from([4, 2, 0, 80, 127, 0, 0, 1, 0])], [0, 0x5b, 0, 0, 0, 0, 0, 0]],
  ])('%s: the refusal owed, the socket closed, no upstream', async (_name, messages, expected) => {
    const before = accepted;
    const reply = await exchange(...messages);
    expect([...reply.bytes]).toEqual(expected);
    expect(reply.closed).toBe(true);
    expect(accepted).toBe(before);
  });

  it('ptunnel\'s own SOCKS port as the destination is not allowed', async () => {
    const reply = await exchange(greet, encodeRequest(Command.connect, { host: '127.0.0.1', port: socksPort }));
    expect([...reply.bytes]).toEqual([...choice, ...encodeReply(Rep.notAllowed)]);
  });

  it('a truncated request is dropped at the handshake deadline without an upstream', async () => {
    const before = accepted;
    const socket = net.connect(socksPort, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(greet);
    socket.write(Buffer.from([5, 1, 0, Atyp.domain, 20, 0x61]));
    socket.end();
    const reply = await readReply(socket, 64, 3000);
    expect([...reply.bytes]).toEqual(choice);
    expect(reply.closed).toBe(true);
    expect(accepted).toBe(before);
  });

  it('a good request after all that reaches the echo server (the count is real)', async () => {
    const before = accepted;
    const reply = await exchange(greet, encodeRequest(Command.connect, { host: '127.0.0.1', port: echoPort }), Buffer.from('ping'));
    expect([...reply.bytes.subarray(0, 12)]).toEqual([...choice, ...encodeReply(Rep.succeeded)]);
    expect(reply.bytes.subarray(12).toString()).toBe('ping');
    expect(accepted).toBe(before + 1);
  });
});

describe('SOCKS safe defaults', () => {
  it('binding 0.0.0.0 without --allow-clients is a one-line start-up error about an open proxy', () => {
    expect(() => loadConfig({ env: { ...TEST_ENV }, flags: { 'socks.listen': '0.0.0.0:1080' } })).toThrow(/^[^\n]*open proxy[^\n]*--allow-clients[^\n]*$/);
  });

  it('a client outside --allow-clients is refused before any byte', async () => {
    const port = await freePort();
    const t = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${port}`, allowClients: '10.0.0.0/8' } });
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    socket.write(encodeGreeting([Method.none]));
    const reply = await readReply(socket, 2, 3000);
    await t.close();
    expect(reply).toEqual({ bytes: Buffer.alloc(0), closed: true });
  });

  it('with --socks-user a wrong password fails RFC 1929 and the right one passes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-socks-'));
    writeFileSync(join(dir, 'pw'), 'right\n');
    const port = await freePort();
    const t = await startTunnel({ flags: { mode: 'direct', 'socks.listen': `127.0.0.1:${port}`, 'socks.user': 'alice', 'socks.passwordFile': join(dir, 'pw') } });
    const attempt = async (password: string) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write(encodeGreeting([Method.none, Method.userPassword]));
      socket.write(encodeAuth({ user: 'alice', password }));
      const reply = await readReply(socket, 4, 3000);
      socket.destroy();
      return [...reply.bytes];
    };
    expect(await attempt('wrong')).toEqual([5, 2, 1, 1]);
    expect(await attempt('right')).toEqual([5, 2, 1, 0]);
    await t.close();
  });
});
