import { validateHost } from '../../net/address';
import { ipFamily } from '../../util/ip';

/**
 * SOCKS5 (RFC 1928, RFC 1929) and SOCKS4/4a, as pure functions of bytes. Each parser takes all
 * bytes received so far and says: more are needed, here is the message (and how many bytes it
 * took), or the bytes are wrong and this is the reply owed. Nothing is read past a bound: a
 * SOCKS5 request is at most 262 bytes (4 + 1 + 255 + 2), a SOCKS4 request 8 + 255 + 1 + 255 + 1.
 */

export const SOCKS5 = 0x05;
export const SOCKS4 = 0x04;

/** RFC 1928 section 6. */
export const Rep = {
  succeeded: 0x00,
  generalFailure: 0x01,
  notAllowed: 0x02,
  networkUnreachable: 0x03,
  hostUnreachable: 0x04,
  connectionRefused: 0x05,
  ttlExpired: 0x06,
  commandNotSupported: 0x07,
  addressTypeNotSupported: 0x08,
} as const;
export type RepCode = (typeof Rep)[keyof typeof Rep];

export const Method = { none: 0x00, userPassword: 0x02, noneAcceptable: 0xff } as const;
export const Command = { connect: 0x01, bind: 0x02, udpAssociate: 0x03 } as const;
export const Atyp = { ipv4: 0x01, domain: 0x03, ipv6: 0x04 } as const;

/** SOCKS4 reply codes (CD field). */
export const Socks4Rep = { granted: 0x5a, rejected: 0x5b } as const;

export const MAX_SOCKS5_REQUEST = 262;
export const MAX_SOCKS4_REQUEST = 8 + 256 + 256;
/** RFC 1929: VER ULEN UNAME(1-255) PLEN PASSWD(1-255). */
export const MAX_AUTH = 1 + 1 + 255 + 1 + 255;

export type Parsed<T> =
  | { status: 'more' }
  | { status: 'ok'; value: T; used: number }
  /** `reply` is what the client is owed before the connection is closed (none if no reply fits). */
  | { status: 'bad'; reason: string; reply?: Buffer };

const more = { status: 'more' } as const;

export interface Destination {
  /** A validated name or an IP literal (no brackets); names stay names. */
  host: string;
  port: number;
}

export type Hello =
  | { version: 5; methods: number[] }
  | { version: 4; command: number; destination: Destination; user: string };

export interface Socks5Request {
  command: number;
  destination: Destination;
}

export interface Credentials {
  user: string;
  password: string;
}

/** The first message: a SOCKS5 greeting, or a whole SOCKS4/4a request. */
export function parseHello(buf: Buffer): Parsed<Hello> {
  if (buf.length === 0) return more;
  const version = buf[0];
  if (version === SOCKS5) {
    if (buf.length < 2) return more;
    const n = buf[1] as number;
    if (n === 0) return { status: 'bad', reason: 'SOCKS5 greeting offers no method', reply: encodeMethodChoice(Method.noneAcceptable) };
    if (buf.length < 2 + n) return more;
    return { status: 'ok', value: { version: 5, methods: [...buf.subarray(2, 2 + n)] }, used: 2 + n };
  }
  if (version === SOCKS4) return parseSocks4(buf);
  // Not SOCKS (a TLS ClientHello, an HTTP request): no reply would be understood.
  return { status: 'bad', reason: `not a SOCKS greeting (first byte 0x${(version as number).toString(16).padStart(2, '0')})` };
}

function nulAt(buf: Buffer, from: number, max: number): number | 'more' | 'long' {
  const end = buf.indexOf(0, from);
  if (end >= 0) return end - from > max ? 'long' : end;
  return buf.length - from > max ? 'long' : 'more';
}

function parseSocks4(buf: Buffer): Parsed<Hello> {
  const refuse = (reason: string): Parsed<Hello> => ({ status: 'bad', reason, reply: encodeSocks4Reply(Socks4Rep.rejected) });
  if (buf.length < 8) return more;
  const command = buf[1] as number;
  const port = buf.readUInt16BE(2);
  const ip = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
  const userEnd = nulAt(buf, 8, 255);
  if (userEnd === 'long') return refuse('SOCKS4 user id longer than 255 bytes');
  if (userEnd === 'more') return more;
  const user = buf.toString('latin1', 8, userEnd);
  // SOCKS4a: 0.0.0.x with x != 0 means "the name follows the user id".
  const socks4a = buf[4] === 0 && buf[5] === 0 && buf[6] === 0 && buf[7] !== 0;
  let host = ip;
  let used = userEnd + 1;
  if (socks4a) {
    const nameEnd = nulAt(buf, used, 255);
    if (nameEnd === 'long') return refuse('SOCKS4a host name longer than 255 bytes');
    if (nameEnd === 'more') return more;
    const name = checkedName(buf.toString('latin1', used, nameEnd));
    if (name === undefined) return refuse('SOCKS4a host name is not a valid host name');
    host = name;
    used = nameEnd + 1;
  }
  if (port === 0) return refuse('SOCKS4 request for port 0');
  return { status: 'ok', value: { version: 4, command, destination: { host, port }, user }, used };
}

function checkedName(text: string): string | undefined {
  try {
    const host = validateHost(text);
    return host;
  } catch {
    return undefined;
  }
}

/** RFC 1929 username/password sub-negotiation. */
function refuseAuth(reason: string): Parsed<Credentials> {
  return { status: 'bad', reason, reply: encodeAuthStatus(false) };
}

export function parseAuth(buf: Buffer): Parsed<Credentials> {
  if (buf.length === 0) return more;
  if (buf[0] !== 0x01) return refuseAuth(`username/password version 0x${(buf[0] as number).toString(16)}, not 0x01`);
  if (buf.length < 2) return more;
  const ulen = buf[1] as number;
  if (buf.length < 2 + ulen + 1) return more;
  const plen = buf[2 + ulen] as number;
  const used = 3 + ulen + plen;
  if (buf.length < used) return more;
  if (ulen === 0 || plen === 0) return refuseAuth('empty username or password');
  return {
    status: 'ok',
    value: { user: buf.toString('utf8', 2, 2 + ulen), password: buf.toString('utf8', 3 + ulen, used) },
    used,
  };
}

/** The SOCKS5 request (RFC 1928 section 4). */
// The refusals are module-level: a parser runs on every handshake and allocates nothing else unless it refuses.
function refuseRequest(rep: RepCode, reason: string): Parsed<Socks5Request> {
  return { status: 'bad', reason, reply: encodeReply(rep) };
}

export function parseRequest(buf: Buffer): Parsed<Socks5Request> {
  if (buf.length === 0) return more;
  if (buf[0] !== SOCKS5) return refuseRequest(Rep.generalFailure, `request version 0x${(buf[0] as number).toString(16)}, not 0x05`);
  if (buf.length < 4) return more;
  const command = buf[1] as number;
  if (buf[2] !== 0x00) return refuseRequest(Rep.generalFailure, 'reserved byte of the request is not zero');
  const atyp = buf[3] as number;
  let host: string;
  let at: number;
  if (atyp === Atyp.ipv4) {
    if (buf.length < 10) return more;
    host = `${buf[4]}.${buf[5]}.${buf[6]}.${buf[7]}`;
    at = 8;
  } else if (atyp === Atyp.ipv6) {
    if (buf.length < 22) return more;
    const groups: string[] = [];
    for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(4 + 2 * i).toString(16));
    host = canonical6(groups.join(':'));
    at = 20;
  } else if (atyp === Atyp.domain) {
    if (buf.length < 5) return more;
    const len = buf[4] as number;
    if (len === 0) return refuseRequest(Rep.hostUnreachable, 'empty domain name');
    if (buf.length < 5 + len + 2) return more;
    const name = checkedName(buf.toString('latin1', 5, 5 + len));
    if (name === undefined) return refuseRequest(Rep.hostUnreachable, 'domain name is not a valid host name');
    host = name;
    at = 5 + len;
  } else {
    return refuseRequest(Rep.addressTypeNotSupported, `address type 0x${atyp.toString(16)} is not supported`);
  }
  const port = buf.readUInt16BE(at);
  if (command !== Command.connect) {
    return refuseRequest(Rep.commandNotSupported, command === Command.bind ? 'BIND is not supported' : command === Command.udpAssociate ? 'UDP ASSOCIATE is not supported' : `command 0x${command.toString(16)} is not supported`);
  }
  if (port === 0) return refuseRequest(Rep.notAllowed, 'request for port 0');
  return { status: 'ok', value: { command, destination: { host, port } }, used: at + 2 };
}

function canonical6(text: string): string {
  // Through URL's parser for the shortest form (::1, 2001:db8::1), as validateHost returns them.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

export function encodeMethodChoice(method: number): Buffer {
  return Buffer.from([SOCKS5, method]);
}

export function encodeAuthStatus(ok: boolean): Buffer {
  return Buffer.from([0x01, ok ? 0x00 : 0x01]);
}

/** A reply with a zero IPv4 bound address: clients of a CONNECT proxy do not use BND. */
export function encodeReply(rep: RepCode): Buffer {
  return Buffer.from([SOCKS5, rep, 0x00, Atyp.ipv4, 0, 0, 0, 0, 0, 0]);
}

export function encodeSocks4Reply(code: number): Buffer {
  return Buffer.from([0x00, code, 0, 0, 0, 0, 0, 0]);
}

/** Client side, for tests and probes: the greeting, the request and the RFC 1929 message. */
export function encodeGreeting(methods: readonly number[]): Buffer {
  return Buffer.from([SOCKS5, methods.length, ...methods]);
}

export function encodeAuth(credentials: Credentials): Buffer {
  const user = Buffer.from(credentials.user, 'utf8');
  const password = Buffer.from(credentials.password, 'utf8');
  return Buffer.concat([Buffer.from([0x01, user.length]), user, Buffer.from([password.length]), password]);
}

export function encodeRequest(command: number, destination: Destination): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(destination.port);
  const family = ipFamily(destination.host);
  if (family === 4) {
    return Buffer.concat([Buffer.from([SOCKS5, command, 0, Atyp.ipv4, ...destination.host.split('.').map(Number)]), port]);
  }
  if (family === 6) {
    const full = expand6(destination.host);
    const addr = Buffer.alloc(16);
    full.forEach((g, i) => addr.writeUInt16BE(g, 2 * i));
    return Buffer.concat([Buffer.from([SOCKS5, command, 0, Atyp.ipv6]), addr, port]);
  }
  const name = Buffer.from(destination.host, 'latin1');
  return Buffer.concat([Buffer.from([SOCKS5, command, 0, Atyp.domain, name.length]), name, port]);
}

export function encodeSocks4Request(destination: Destination, user = ''): Buffer {
  const port = Buffer.alloc(2);
  port.writeUInt16BE(destination.port);
  const v4 = ipFamily(destination.host) === 4;
  const ip = v4 ? destination.host.split('.').map(Number) : [0, 0, 0, 1];
  const tail = v4 ? [] : [Buffer.from(destination.host, 'latin1'), Buffer.from([0])];
  return Buffer.concat([Buffer.from([SOCKS4, Command.connect]), port, Buffer.from(ip), Buffer.from(user, 'latin1'), Buffer.from([0]), ...tail]);
}

function expand6(text: string): number[] {
  const [head = '', tail] = text.split('::');
  const part = (s: string) => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  const a = part(head);
  const b = tail === undefined ? [] : part(tail);
  return [...a, ...new Array<number>(8 - a.length - b.length).fill(0), ...b];
}

/** The reply from the server's side, read back (tests, probes). */
export function parseReply(buf: Buffer): Parsed<{ rep: number }> {
  if (buf.length < 5) return more;
  const atyp = buf[3];
  const size = atyp === Atyp.ipv4 ? 10 : atyp === Atyp.ipv6 ? 22 : atyp === Atyp.domain ? 7 + (buf[4] as number) : -1;
  if (buf[0] !== SOCKS5 || size < 0) return { status: 'bad', reason: 'not a SOCKS5 reply' };
  if (buf.length < size) return more;
  return { status: 'ok', value: { rep: buf[1] as number }, used: size };
}
