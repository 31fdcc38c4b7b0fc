import { PtunnelError } from '../../../errors';
import { cryptoModule } from '../../../util/builtins';
import { hmacMd5, ntowfV2 } from './hash';

/**
 * The NTLM wire messages (MS-NLMP 2.2): NEGOTIATE (type 1), CHALLENGE (type 2) and AUTHENTICATE
 * (type 3), NTLMv2 only. Pure: bytes in, bytes out, no I/O; the caller carries them as base64
 * tokens in Proxy-Authorization / Proxy-Authenticate. Both directions are here, so a test proxy
 * can speak the server side with the same, bounds-checked, layout code.
 */

/** NegotiateFlags bits (MS-NLMP 2.2.2.5), the ones this codec names. */
export const NTLM_FLAGS = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  LM_KEY: 0x00000080,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  TARGET_TYPE_DOMAIN: 0x00010000,
  TARGET_TYPE_SERVER: 0x00020000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  NEGOTIATE_128: 0x20000000,
  KEY_EXCH: 0x40000000,
  NEGOTIATE_56: 0x80000000,
} as const;

const F = NTLM_FLAGS;

/**
 * What ptunnel asks for. A proxy login authenticates once and never signs or seals, so:
 * - UNICODE: names travel as UTF-16LE; no OEM, which would mean guessing the server's code page.
 * - REQUEST_TARGET: the server names its realm; every client sends it and some servers expect it.
 * - NTLM: the NTLM family; v1 or v2 is configuration, not negotiated: we only ever answer v2.
 * - ALWAYS_SIGN, EXTENDED_SESSIONSECURITY, 128: what Windows sends; they keep the LM session key
 *   out and satisfy servers whose policy requires 128-bit session security (NTLMMinServerSec).
 * Left out: LM_KEY (no LM at all), SIGN/SEAL/KEY_EXCH (no session to protect; KEY_EXCH would
 * need RC4 for nothing), VERSION (a debugging field; we have no Windows version to report),
 * TARGET_INFO (the server's to set: servers send target info to NTLMv2 clients regardless).
 */
export const CLIENT_FLAGS =
  F.UNICODE | F.REQUEST_TARGET | F.NTLM | F.ALWAYS_SIGN | F.EXTENDED_SESSIONSECURITY | F.NEGOTIATE_128;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

/** AV pair ids (MS-NLMP 2.2.2.1). */
export const AV_ID = {
  EOL: 0,
  NB_COMPUTER_NAME: 1,
  NB_DOMAIN_NAME: 2,
  DNS_COMPUTER_NAME: 3,
  DNS_DOMAIN_NAME: 4,
  DNS_TREE_NAME: 5,
  FLAGS: 6,
  TIMESTAMP: 7,
  SINGLE_HOST: 8,
  TARGET_NAME: 9,
  CHANNEL_BINDINGS: 10,
} as const;

export interface AvPair {
  id: number;
  value: Buffer;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  /** The server's realm; for display only (the response uses the user's own domain). */
  targetName: string;
  /** The raw TargetInfo, echoed byte for byte inside the NTLMv2 response. Empty if absent. */
  targetInfo: Buffer;
  avPairs: AvPair[];
  /** MsvAvTimestamp (FILETIME, 8 bytes), when the server sent one. */
  timestamp?: Buffer;
  nbDomainName?: string;
  nbComputerName?: string;
  dnsDomainName?: string;
  dnsComputerName?: string;
  version?: Buffer;
}

export interface Negotiate {
  flags: number;
  domain: string;
  workstation: string;
  version?: Buffer;
}

/** The fields of an AUTHENTICATE message as they travel; see buildAuthenticate for the maths. */
export interface AuthenticateFields {
  flags: number;
  lmResponse: Buffer;
  ntResponse: Buffer;
  domain: string;
  user: string;
  workstation: string;
  encryptedRandomSessionKey: Buffer;
  version?: Buffer;
}

type Kind = 'negotiate' | 'challenge' | 'authenticate';
const KIND_NAME: Record<Kind, string> = {
  negotiate: 'NTLM negotiate message',
  challenge: 'NTLM challenge',
  authenticate: 'NTLM authenticate message',
};
const KIND_TYPE: Record<Kind, number> = { negotiate: 1, challenge: 2, authenticate: 3 };

function malformed(kind: Kind, reason: string): PtunnelError {
  // Only challenges come from the proxy; the other two are parsed by test proxies, from clients.
  const whose = kind === 'challenge' ? "the proxy's" : "the client's";
  return new PtunnelError('ERR_PROXY_PROTOCOL', `${whose} ${KIND_NAME[kind]} is malformed: ${reason}`);
}

/** Longest token we decode: real challenges are a few hundred bytes; the header limit is 16 KiB. */
const MAX_TOKEN_CHARS = 16 * 1024;

/** Decodes a base64 token strictly: Node's decoder would skip garbage and return a shorter buffer. */
export function decodeToken(token: string, kind: Kind = 'challenge'): Buffer {
  if (token.length > MAX_TOKEN_CHARS) throw malformed(kind, `token longer than ${MAX_TOKEN_CHARS} characters`);
  // Padding is optional, but when present it must complete the last quantum.
  const badLength = token.includes('=') ? token.length % 4 !== 0 : token.length % 4 === 1;
  if (token.length === 0 || badLength || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    throw malformed(kind, 'not base64');
  }
  return Buffer.from(token, 'base64');
}

function checkHeader(buf: Buffer, kind: Kind, minLength: number): void {
  if (buf.length < minLength) throw malformed(kind, `${buf.length} bytes, shorter than its ${minLength}-byte header`);
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw malformed(kind, 'no NTLMSSP signature');
  const type = buf.readUInt32LE(8);
  if (type !== KIND_TYPE[kind]) throw malformed(kind, `message type ${type}, expected ${KIND_TYPE[kind]}`);
}

/** A (length, max length, offset) field pointing into the payload, checked against the buffer. */
function readField(buf: Buffer, at: number, kind: Kind, name: string): Buffer {
  const len = buf.readUInt16LE(at);
  const off = buf.readUInt32LE(at + 4);
  if (len === 0) return Buffer.alloc(0);
  if (off + len > buf.length) throw malformed(kind, `${name} runs past the end of the message`);
  return buf.subarray(off, off + len);
}

function readString(buf: Buffer, at: number, kind: Kind, name: string, unicode: boolean): string {
  const bytes = readField(buf, at, kind, name);
  if (!unicode) return bytes.toString('latin1');
  if (bytes.length % 2 !== 0) throw malformed(kind, `${name} has an odd length for UTF-16`);
  return bytes.toString('utf16le');
}

/** The Version field, present when VERSION is negotiated and the header has room for it. */
function readVersion(buf: Buffer, at: number, flags: number, payloadStart: number): Buffer | undefined {
  if (!(flags & F.VERSION) || payloadStart < at + 8 || buf.length < at + 8) return undefined;
  return Buffer.from(buf.subarray(at, at + 8));
}

/** The lowest payload offset among the given fields (non-empty ones), i.e. where the header ends. */
function payloadStart(buf: Buffer, fieldsAt: number[]): number {
  let start = buf.length;
  for (const at of fieldsAt) {
    if (buf.readUInt16LE(at) > 0) start = Math.min(start, buf.readUInt32LE(at + 4));
  }
  return start;
}

export function parseAvPairs(info: Buffer, kind: Kind = 'challenge'): AvPair[] {
  const pairs: AvPair[] = [];
  let pos = 0;
  while (pos < info.length) {
    if (pos + 4 > info.length) throw malformed(kind, 'target info ends inside an entry header');
    const id = info.readUInt16LE(pos);
    const len = info.readUInt16LE(pos + 2);
    pos += 4;
    if (pos + len > info.length) throw malformed(kind, 'a target info entry runs past the end');
    if (id === AV_ID.EOL) break;
    pairs.push({ id, value: Buffer.from(info.subarray(pos, pos + len)) });
    pos += len;
  }
  return pairs;
}

/** AV pairs to bytes, MsvAvEOL appended. */
export function encodeAvPairs(pairs: readonly AvPair[]): Buffer {
  const parts: Buffer[] = [];
  for (const { id, value } of pairs) {
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(value.length, 2);
    parts.push(head, value);
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts);
}

function avString(pairs: AvPair[], id: number, kind: Kind): string | undefined {
  const pair = pairs.find((p) => p.id === id);
  if (!pair) return undefined;
  if (pair.value.length % 2 !== 0) throw malformed(kind, 'a target info name has an odd length for UTF-16');
  return pair.value.toString('utf16le');
}

/**
 * CHALLENGE_MESSAGE layout (MS-NLMP 2.2.1.2). `min`: the oldest servers stop after the server
 * challenge and its 8 reserved bytes, without the target info field.
 */
const C = { targetName: 12, flags: 20, serverChallenge: 24, targetInfo: 40, version: 48, min: 32 } as const;

/**
 * Parses the proxy's CHALLENGE, given as the base64 token of `Proxy-Authenticate: NTLM <token>`
 * or as bytes. Every offset and length is checked against the message; anything malformed is a
 * PtunnelError ERR_PROXY_PROTOCOL that names the fault, never the bytes.
 */
export function parseChallenge(input: string | Buffer): Challenge {
  const kind = 'challenge';
  const buf = typeof input === 'string' ? decodeToken(input, kind) : input;
  checkHeader(buf, kind, C.min);
  const flags = buf.readUInt32LE(C.flags);
  if (!(flags & F.UNICODE)) {
    throw malformed(kind, 'the proxy did not accept Unicode (OEM-only NTLM is not supported)');
  }
  const hasTargetInfoField = buf.length >= C.targetInfo + 8;
  const targetName = readString(buf, C.targetName, kind, 'the target name', true);
  const targetInfo = hasTargetInfoField ? Buffer.from(readField(buf, C.targetInfo, kind, 'the target info')) : Buffer.alloc(0);
  const avPairs = parseAvPairs(targetInfo, kind);
  const timestamp = avPairs.find((p) => p.id === AV_ID.TIMESTAMP)?.value;
  if (timestamp && timestamp.length !== 8) throw malformed(kind, `its timestamp is ${timestamp.length} bytes, not 8`);
  const start = payloadStart(buf, hasTargetInfoField ? [C.targetName, C.targetInfo] : [C.targetName]);
  const challenge: Challenge = {
    flags,
    serverChallenge: Buffer.from(buf.subarray(C.serverChallenge, C.serverChallenge + 8)),
    targetName,
    targetInfo,
    avPairs,
  };
  const optional = {
    timestamp,
    nbDomainName: avString(avPairs, AV_ID.NB_DOMAIN_NAME, kind),
    nbComputerName: avString(avPairs, AV_ID.NB_COMPUTER_NAME, kind),
    dnsDomainName: avString(avPairs, AV_ID.DNS_DOMAIN_NAME, kind),
    dnsComputerName: avString(avPairs, AV_ID.DNS_COMPUTER_NAME, kind),
    version: readVersion(buf, C.version, flags, start),
  };
  for (const [k, v] of Object.entries(optional)) {
    if (v !== undefined) Object.assign(challenge, { [k]: v });
  }
  return challenge;
}

/**
 * Lays out a message: a header of `headerLength` bytes, then each slot's bytes in the order
 * given, its (length, max length, offset) field written at the slot's header position.
 */
function layout(
  type: number,
  headerLength: number,
  slots: ReadonlyArray<readonly [number, Buffer]>,
  write: (msg: Buffer) => void,
): Buffer {
  const msg = Buffer.alloc(headerLength + slots.reduce((n, [, p]) => n + p.length, 0));
  SIGNATURE.copy(msg, 0);
  msg.writeUInt32LE(type, 8);
  let off = headerLength;
  for (const [at, p] of slots) {
    if (p.length > 0xffff) throw new RangeError('NTLM field longer than 65535 bytes');
    msg.writeUInt16LE(p.length, at);
    msg.writeUInt16LE(p.length, at + 2);
    msg.writeUInt32LE(off, at + 4);
    p.copy(msg, off);
    off += p.length;
  }
  write(msg);
  return msg;
}

/** NEGOTIATE_MESSAGE layout (MS-NLMP 2.2.1.1). */
const N = { flags: 12, domain: 16, workstation: 24, version: 32 } as const;

/** The NEGOTIATE message: ptunnel's flags, no domain or workstation (they come in type 3). */
export function buildNegotiate(opts: { flags?: number; version?: Buffer } = {}): Buffer {
  const version = opts.version;
  const flags = ((opts.flags ?? CLIENT_FLAGS) | (version ? F.VERSION : 0)) >>> 0;
  const header = N.version + (version ? 8 : 0);
  const empty: Array<[number, Buffer]> = [
    [N.domain, Buffer.alloc(0)],
    [N.workstation, Buffer.alloc(0)],
  ];
  return layout(1, header, empty, (msg) => {
    msg.writeUInt32LE(flags, N.flags);
    version?.copy(msg, N.version);
  });
}

export function parseNegotiate(input: string | Buffer): Negotiate {
  const kind = 'negotiate';
  const buf = typeof input === 'string' ? decodeToken(input, kind) : input;
  checkHeader(buf, kind, 16);
  const flags = buf.readUInt32LE(N.flags);
  // Windows XP-era clients stop after the flags; the name fields are optional then.
  if (buf.length < N.version) return { flags, domain: '', workstation: '' };
  const negotiate: Negotiate = {
    flags,
    // Names in a NEGOTIATE are always OEM (MS-NLMP 2.2.1.1).
    domain: readString(buf, N.domain, kind, 'the domain', false),
    workstation: readString(buf, N.workstation, kind, 'the workstation', false),
  };
  const version = readVersion(buf, N.version, flags, payloadStart(buf, [N.domain, N.workstation]));
  if (version) negotiate.version = version;
  return negotiate;
}

/** Builds a CHALLENGE; ptunnel never sends one, but test proxies do, with the same layout code. */
export function buildChallenge(opts: {
  flags: number;
  serverChallenge: Buffer;
  targetName?: string;
  targetInfo?: Buffer;
  version?: Buffer;
}): Buffer {
  const flags = ((opts.flags | (opts.version ? F.VERSION : 0)) | (opts.targetInfo ? F.TARGET_INFO : 0)) >>> 0;
  const header = C.version + (opts.version ? 8 : 0);
  const name = Buffer.from(opts.targetName ?? '', flags & F.UNICODE ? 'utf16le' : 'latin1');
  const info = opts.targetInfo ?? Buffer.alloc(0);
  const slots: Array<[number, Buffer]> = [
    [C.targetName, name],
    [C.targetInfo, info],
  ];
  return layout(2, header, slots, (m) => {
    m.writeUInt32LE(flags, C.flags);
    opts.serverChallenge.copy(m, C.serverChallenge, 0, 8);
    opts.version?.copy(m, C.version);
  });
}

/** AUTHENTICATE_MESSAGE layout (MS-NLMP 2.2.1.3). */
const A = { lm: 12, nt: 20, domain: 28, user: 36, workstation: 44, sessionKey: 52, flags: 60, version: 64 } as const;

/** Lays out an AUTHENTICATE message from its fields (payload order as Windows and the spec). */
export function encodeAuthenticate(f: AuthenticateFields): Buffer {
  const unicode = (f.flags & F.UNICODE) !== 0;
  const enc = (s: string): Buffer => Buffer.from(s, unicode ? 'utf16le' : 'latin1');
  const header = A.version + (f.version ? 8 : 0);
  // Field slots are in header order (LM, NT, domain, user, workstation, key); the payload
  // order the spec's example uses is domain, user, workstation, LM, NT, key.
  const slots: Array<[number, Buffer]> = [
    [A.domain, enc(f.domain)],
    [A.user, enc(f.user)],
    [A.workstation, enc(f.workstation)],
    [A.lm, f.lmResponse],
    [A.nt, f.ntResponse],
    [A.sessionKey, f.encryptedRandomSessionKey],
  ];
  return layout(3, header, slots, (msg) => {
    msg.writeUInt32LE(f.flags >>> 0, A.flags);
    f.version?.copy(msg, A.version);
  });
}

export function parseAuthenticate(input: string | Buffer): AuthenticateFields {
  const kind = 'authenticate';
  const buf = typeof input === 'string' ? decodeToken(input, kind) : input;
  checkHeader(buf, kind, A.version);
  const flags = buf.readUInt32LE(A.flags);
  const unicode = (flags & F.UNICODE) !== 0;
  const fields: AuthenticateFields = {
    flags,
    lmResponse: Buffer.from(readField(buf, A.lm, kind, 'the LM response')),
    ntResponse: Buffer.from(readField(buf, A.nt, kind, 'the NT response')),
    domain: readString(buf, A.domain, kind, 'the domain', unicode),
    user: readString(buf, A.user, kind, 'the user name', unicode),
    workstation: readString(buf, A.workstation, kind, 'the workstation', unicode),
    encryptedRandomSessionKey: Buffer.from(readField(buf, A.sessionKey, kind, 'the session key')),
  };
  const start = payloadStart(buf, [A.lm, A.nt, A.domain, A.user, A.workstation, A.sessionKey]);
  const version = readVersion(buf, A.version, flags, start);
  if (version) fields.version = version;
  return fields;
}

/** Milliseconds between 1601-01-01 (the FILETIME epoch) and 1970-01-01. */
const FILETIME_EPOCH_OFFSET_MS = 11644473600000n;

/** A time as FILETIME: 100-ns ticks since 1601, 8 bytes little-endian. */
export function fileTime(ms: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(Math.floor(ms)) + FILETIME_EPOCH_OFFSET_MS) * 10000n);
  return out;
}

export interface NtlmV2Input {
  challenge: Challenge;
  user: string;
  /** The user's own domain (from DOMAIN\user, user@REALM or --proxy-domain), not the target name. */
  domain: string;
  workstation?: string;
  /** The NT hash: ntHash(password), or the content of --proxy-nt-hash-file. */
  ntHash: Uint8Array;
  /** 8 random bytes unless given (tests give the spec's). */
  clientChallenge?: Buffer;
  /** FILETIME used when the challenge carries no MsvAvTimestamp; now unless given. */
  time?: Buffer;
  /** Overrides the flags, which default to what both sides support. */
  flags?: number;
  version?: Buffer;
  /** Opaque; only for a caller that negotiated KEY_EXCH, which ptunnel does not. */
  encryptedRandomSessionKey?: Buffer;
}

export interface NtlmV2Responses {
  ntProofStr: Buffer;
  ntResponse: Buffer;
  lmResponse: Buffer;
  sessionBaseKey: Buffer;
}

/** The NTLMv2 and LMv2 responses (MS-NLMP 3.3.2). */
export function ntlmV2Responses(input: NtlmV2Input): NtlmV2Responses {
  const { challenge } = input;
  const key = ntowfV2(input.ntHash, input.user, input.domain);
  const clientChallenge = input.clientChallenge ?? cryptoModule().randomBytes(8);
  if (clientChallenge.length !== 8) throw new RangeError('the NTLM client challenge must be 8 bytes');
  const time = challenge.timestamp ?? input.time ?? fileTime(Date.now());
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    time,
    clientChallenge,
    Buffer.alloc(4),
    challenge.targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProofStr = hmacMd5(key, challenge.serverChallenge, temp);
  // With a server timestamp the LMv2 response would be a second, weaker proof of the same key:
  // MS-NLMP 3.1.5.1.2 says send Z(24) instead.
  const lmResponse = challenge.timestamp
    ? Buffer.alloc(24)
    : Buffer.concat([hmacMd5(key, challenge.serverChallenge, clientChallenge), clientChallenge]);
  return {
    ntProofStr,
    ntResponse: Buffer.concat([ntProofStr, temp]),
    lmResponse,
    sessionBaseKey: hmacMd5(key, ntProofStr),
  };
}

/** The AUTHENTICATE message answering `challenge` with NTLMv2. */
export function buildAuthenticate(input: NtlmV2Input): Buffer {
  const { ntResponse, lmResponse } = ntlmV2Responses(input);
  const negotiated = (input.challenge.flags & CLIENT_FLAGS) | F.UNICODE | F.NTLM;
  return encodeAuthenticate({
    flags: ((input.flags ?? negotiated) | (input.version ? F.VERSION : 0)) >>> 0,
    lmResponse,
    ntResponse,
    domain: input.domain,
    user: input.user,
    workstation: input.workstation ?? '',
    encryptedRandomSessionKey: input.encryptedRandomSessionKey ?? Buffer.alloc(0),
    ...(input.version ? { version: input.version } : {}),
  });
}
