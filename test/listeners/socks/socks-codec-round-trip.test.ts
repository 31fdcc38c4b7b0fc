import {
  Atyp,
  Command,
  encodeAuth,
  encodeGreeting,
  encodeReply,
  encodeRequest,
  encodeSocks4Request,
  Method,
  parseAuth,
  parseHello,
  parseReply,
  parseRequest,
  Parsed,
  Rep,
} from '../../../src/listeners/socks/codec';

/** Every split of `bytes` into a prefix seen first: each prefix asks for more, the whole parses. */
function everyPrefix<T>(parse: (b: Buffer) => Parsed<T>, bytes: Buffer): Parsed<T> {
  for (let i = 0; i < bytes.length; i++) expect(parse(bytes.subarray(0, i)).status).toBe('more');
  const whole = parse(bytes);
  // Bytes after the message (the client's first data) are not taken.
  const withTail = parse(Buffer.concat([bytes, Buffer.from('tail')]));
  expect(withTail).toEqual(whole);
  return whole;
}

describe('SOCKS5 codec', () => {
  it('reads the RFC 1928 greeting with no-auth and user/password', () => {
    const bytes = encodeGreeting([Method.none, Method.userPassword]);
    expect([...bytes]).toEqual([5, 2, 0, 2]);
    expect(everyPrefix(parseHello, bytes)).toEqual({ status: 'ok', value: { version: 5, methods: [0, 2] }, used: 4 });
  });

  it.each([
    ['IPv4', { host: '192.0.2.10', port: 993 }, [5, 1, 0, 1, 192, 0, 2, 10, 0x03, 0xe1]],
    ['IPv6', { host: '2001:db8::1', port: 22 }, [5, 1, 0, 4, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 22]],
    ['a name', { host: 'imap.gmail.com', port: 993 }, [5, 1, 0, 3, 14, ...Buffer.from('imap.gmail.com'), 0x03, 0xe1]],
  ])('CONNECT to %s: bytes -> parse -> encode', (_name, destination, wire) => {
    const bytes = encodeRequest(Command.connect, destination);
    expect([...bytes]).toEqual(wire);
    const parsed = everyPrefix(parseRequest, bytes);
    expect(parsed).toEqual({ status: 'ok', value: { command: 1, destination }, used: wire.length });
    if (parsed.status === 'ok') expect(encodeRequest(parsed.value.command, parsed.value.destination).equals(bytes)).toBe(true);
  });

  it('names keep their case-folded form and stay names', () => {
    const parsed = parseRequest(encodeRequest(Command.connect, { host: 'IMAP.Gmail.COM', port: 993 }));
    expect(parsed).toMatchObject({ status: 'ok', value: { destination: { host: 'imap.gmail.com', port: 993 } } });
  });

  it('reads RFC 1929 username/password', () => {
    const bytes = encodeAuth({ user: 'alice', password: 's3cret' });
    expect(everyPrefix(parseAuth, bytes)).toEqual({ status: 'ok', value: { user: 'alice', password: 's3cret' }, used: bytes.length });
  });

  it('replies are 10 bytes with the code second and read back', () => {
    for (const rep of Object.values(Rep)) {
      const bytes = encodeReply(rep);
      expect(bytes.length).toBe(10);
      expect(everyPrefix(parseReply, bytes)).toEqual({ status: 'ok', value: { rep }, used: 10 });
    }
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  it('SOCKS4 with an IP', () => {
    const bytes = encodeSocks4Request({ host: '192.0.2.7', port: 25 }, 'bob');
    expect(everyPrefix(parseHello, bytes)).toEqual({
      status: 'ok',
      value: { version: 4, command: 1, destination: { host: '192.0.2.7', port: 25 }, user: 'bob' },
      used: bytes.length,
    });
  });
  it('SOCKS4a with a name', () => {
    const bytes = encodeSocks4Request({ host: 'smtp.gmail.com', port: 465 });
    expect(everyPrefix(parseHello, bytes)).toMatchObject({ status: 'ok', value: { version: 4, destination: { host: 'smtp.gmail.com', port: 465 } } });
  });
});

describe('refusals: a protocol-correct reply, never a destination', () => {
  const repOf = (p: Parsed<unknown>) => (p.status === 'bad' ? p.reply && [...p.reply] : 'not refused');

  it.each([
    ['BIND', Command.bind, Rep.commandNotSupported],
    ['UDP ASSOCIATE', Command.udpAssociate, Rep.commandNotSupported],
    ['an unknown command', 0x09, Rep.commandNotSupported],
  ])('%s gets "command not supported"', (_n, command, rep) => {
    expect(repOf(parseRequest(encodeRequest(command, { host: '192.0.2.1', port: 80 })))).toEqual([...encodeReply(rep)]);
  });

  it('an unknown address type gets "address type not supported" without waiting for more', () => {
    expect(repOf(parseRequest(Buffer.from([5, 1, 0, 0x07])))).toEqual([...encodeReply(Rep.addressTypeNotSupported)]);
  });

  it('a 255-byte domain name (over the 253 of DNS) gets "host unreachable"', () => {
    const name = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}`;
    expect(name.length).toBe(255);
    const bytes = Buffer.concat([Buffer.from([5, 1, 0, Atyp.domain, 255]), Buffer.from(name), Buffer.from([0, 80])]);
    expect(bytes.length).toBe(262);
    expect(repOf(parseRequest(bytes))).toEqual([...encodeReply(Rep.hostUnreachable)]);
  });

  it.each([
    ['CR/LF', 'a\r\nHost: b'],
    ['a space', 'a b'],
    ['an @', 'user@host'],
    ['a colon', 'a:b'],
  ])('a domain name with %s gets "host unreachable"', (_n, name) => {
    const raw = Buffer.from(name, 'latin1');
    const bytes = Buffer.concat([Buffer.from([5, 1, 0, Atyp.domain, raw.length]), raw, Buffer.from([0, 80])]);
    expect(repOf(parseRequest(bytes))).toEqual([...encodeReply(Rep.hostUnreachable)]);
  });

  it('port 0 is not allowed', () => {
    expect(repOf(parseRequest(encodeRequest(Command.connect, { host: '192.0.2.1', port: 0 })))).toEqual([...encodeReply(Rep.notAllowed)]);
  });

  it('a nonzero reserved byte or a wrong version is a general failure', () => {
    expect(repOf(parseRequest(Buffer.from([5, 1, 1, 1, 1, 2, 3, 4, 0, 80])))).toEqual([...encodeReply(Rep.generalFailure)]);
    expect(repOf(parseRequest(Buffer.from([4, 1, 0, 1, 1, 2, 3, 4, 0, 80])))).toEqual([...encodeReply(Rep.generalFailure)]);
  });

  it('a greeting with no method gets "no acceptable methods"; one that is not SOCKS gets no reply', () => {
    expect(repOf(parseHello(Buffer.from([5, 0])))).toEqual([5, 0xff]);
    expect(parseHello(Buffer.from('GET / HTTP/1.1\r\n'))).toMatchObject({ status: 'bad' });
    expect(repOf(parseHello(Buffer.from([0x16, 3, 1])))).toBeUndefined();
  });

  it('a SOCKS4 user id or name with no end within 255 bytes is refused, not waited on', () => {
    const user = Buffer.concat([Buffer.from([4, 1, 0, 80, 1, 2, 3, 4]), Buffer.alloc(256, 0x61)]);
    expect(repOf(parseHello(user))).toEqual([0, 0x5b, 0, 0, 0, 0, 0, 0]);
    const name = Buffer.concat([Buffer.from([4, 1, 0, 80, 0, 0, 0, 1, 0]), Buffer.alloc(256, 0x61)]);
    expect(repOf(parseHello(name))).toEqual([0, 0x5b, 0, 0, 0, 0, 0, 0]);
  });

  it('RFC 1929 with a wrong version or an empty field fails the sub-negotiation', () => {
    expect(repOf(parseAuth(Buffer.from([5, 1, 0x61, 1, 0x62])))).toEqual([1, 1]);
    expect(repOf(parseAuth(Buffer.from([1, 0, 1, 0x62])))).toEqual([1, 1]);
  });
});
