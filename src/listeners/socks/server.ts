import type net from 'node:net';
import { cryptoModule } from '../../util/builtins';
import {
  Credentials,
  Destination,
  encodeAuthStatus,
  encodeMethodChoice,
  encodeReply,
  encodeSocks4Reply,
  Method,
  MAX_AUTH,
  MAX_SOCKS4_REQUEST,
  MAX_SOCKS5_REQUEST,
  parseAuth,
  parseHello,
  parseRequest,
  Parsed,
  Rep,
  RepCode,
  Socks4Rep,
  Command,
} from './codec';

export interface SocksServerOptions {
  /** RFC 1929: when set, only this user and password are let in; otherwise no authentication. */
  credentials?: Credentials;
  /** A client that has not finished its request in this long is dropped. */
  timeoutMs?: number;
}

/** A SOCKS request read to its end: where the client wants to go, and how to answer it. */
export interface SocksRequest {
  version: 4 | 5;
  destination: Destination;
  /** Client bytes read after the request (sent before our reply): the first upstream bytes. */
  head: Buffer;
  /** The upstream is open: tell the client so. */
  succeed(): void;
  /** The upstream could not be opened: tell the client why and close. */
  fail(rep: RepCode): void;
}

/** The handshake failed; the refusal owed (if any) was written and the socket ended. */
export class SocksRefusal extends Error {}

const DEFAULT_TIMEOUT_MS = 10_000;

// The answers every successful handshake writes, made once: a written Buffer is only read.
const CHOSE_NONE = encodeMethodChoice(Method.none);
const CHOSE_PASSWORD = encodeMethodChoice(Method.userPassword);
const AUTH_OK = encodeAuthStatus(true);
const SUCCEEDED = encodeReply(Rep.succeeded);
const SOCKS4_GRANTED = encodeSocks4Reply(Socks4Rep.granted);
const NO_HEAD = Buffer.alloc(0);
// The refusals for an overlong message, passed to every take() but written only when one is refused.
const AUTH_FAILED = encodeAuthStatus(false);
const GENERAL_FAILURE = encodeReply(Rep.generalFailure);

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && cryptoModule().timingSafeEqual(x, y);
}

/**
 * Reads the SOCKS handshake from a freshly accepted socket, at most one bounded message at a time,
 * and resolves with the request once its destination is known. The client gets no success reply
 * here: `succeed()` is for when the upstream is open, so a refused destination is told as such.
 */
export function socksHandshake(socket: net.Socket, options: SocksServerOptions = {}): Promise<SocksRequest> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let step: 'hello' | 'auth' | 'request' = 'hello';
    let settled = false;
    const timer = setTimeout(() => refuse('SOCKS handshake not finished in time'), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);

    const stop = () => {
      settled = true;
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('end', onGone);
      socket.removeListener('close', onGone);
      socket.removeListener('error', onGone);
    };
    function refuse(reason: string, reply?: Buffer) {
      if (settled) return;
      stop();
      socket.pause();
      if (reply && socket.writable) socket.end(reply);
      else socket.destroy();
      // A client that never reads its refusal must not hold the descriptor.
      setTimeout(() => socket.destroy(), 1000).unref();
      reject(new SocksRefusal(reason));
    }
    function onGone() {
      if (settled) return;
      stop();
      socket.destroy();
      reject(new SocksRefusal('client closed during the SOCKS handshake'));
    }

    const done = (version: 4 | 5, destination: Destination, used: number) => {
      const head = buf.subarray(used);
      stop();
      socket.pause();
      let answered = false;
      const answer = (bytes: Buffer, close: boolean) => {
        if (answered) return;
        answered = true;
        if (!close) {
          socket.write(bytes);
          return;
        }
        socket.end(bytes);
        // As for a refusal in the handshake: a client that neither reads nor closes (the socket
        // is half-open and paused) must not hold the descriptor, outside every limit.
        setTimeout(() => socket.destroy(), 1000).unref();
      };
      resolve({
        version,
        destination,
        // A copy, so that the request's chunk is not kept; nearly always nothing is left over.
        head: head.length === 0 ? NO_HEAD : Buffer.from(head),
        succeed: () => answer(version === 5 ? SUCCEEDED : SOCKS4_GRANTED, false),
        fail: (rep) => answer(version === 5 ? encodeReply(rep) : encodeSocks4Reply(Socks4Rep.rejected), true),
      });
    };

    /** One message at a time: the parse result, or a refusal if the bound is passed with no end. */
    const take = <T>(parse: (b: Buffer) => Parsed<T>, max: number, overlong: Buffer | undefined): { value: T; used: number } | undefined => {
      const parsed = parse(buf);
      if (parsed.status === 'more' && buf.length >= max) {
        refuse(`SOCKS message longer than ${max} bytes`, overlong);
        return undefined;
      }
      if (parsed.status === 'bad') {
        refuse(parsed.reason, parsed.reply);
        return undefined;
      }
      return parsed.status === 'ok' ? parsed : undefined;
    };

    const advance = () => {
      for (;;) {
        if (settled) return;
        if (step === 'hello') {
          const hello = take(parseHello, MAX_SOCKS4_REQUEST, undefined);
          if (hello === undefined) return;
          const value = hello.value;
          buf = buf.subarray(hello.used);
          if (value.version === 4) {
            if (options.credentials) return refuse('SOCKS4 has no password; this listener needs SOCKS5 with a user name and password', encodeSocks4Reply(Socks4Rep.rejected));
            if (value.command !== Command.connect) return refuse('SOCKS4 BIND is not supported', encodeSocks4Reply(Socks4Rep.rejected));
            return done(4, value.destination, 0);
          }
          const want = options.credentials ? Method.userPassword : Method.none;
          if (!value.methods.includes(want)) {
            const why = options.credentials ? 'the client offers no username/password authentication, which this listener needs' : 'the client offers no "no authentication" method';
            return refuse(why, encodeMethodChoice(Method.noneAcceptable));
          }
          socket.write(want === Method.none ? CHOSE_NONE : CHOSE_PASSWORD);
          step = options.credentials ? 'auth' : 'request';
        } else if (step === 'auth') {
          const auth = take(parseAuth, MAX_AUTH, AUTH_FAILED);
          if (auth === undefined) return;
          buf = buf.subarray(auth.used);
          const expected = options.credentials as Credentials;
          // Both compared, always, so the time taken does not tell which one was wrong.
          const userOk = sameSecret(auth.value.user, expected.user);
          const passwordOk = sameSecret(auth.value.password, expected.password);
          if (!(userOk && passwordOk)) return refuse('wrong SOCKS user name or password', encodeAuthStatus(false));
          socket.write(AUTH_OK);
          step = 'request';
        } else {
          const request = take(parseRequest, MAX_SOCKS5_REQUEST, GENERAL_FAILURE);
          if (request === undefined) return;
          return done(5, request.value.destination, request.used);
        }
      }
    };

    const onData = (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      advance();
    };
    socket.on('data', onData);
    socket.on('end', onGone);
    socket.on('close', onGone);
    socket.on('error', onGone);
  });
}
