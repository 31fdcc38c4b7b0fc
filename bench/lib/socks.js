'use strict';
// A SOCKS5 load client for the SOCKS rows: no authentication, CONNECT by IPv4 address or by name,
// each step waiting for the server's answer as curl and Thunderbird do (no pipelining, which some
// servers would reject and which would hide the round trips being measured).
const net = require('node:net');

/** Greeting offering only "no authentication" (RFC 1928 section 3). */
function encodeGreeting() {
  return Buffer.from([5, 1, 0]);
}

/** CONNECT to an IPv4 literal (ATYP 1) or a host name (ATYP 3), as curl --socks5-hostname sends it. */
function encodeConnect(host, port) {
  const ipv4 = net.isIPv4(host);
  const name = ipv4 ? null : Buffer.from(host, 'ascii');
  if (name && (name.length === 0 || name.length > 255)) throw new RangeError(`SOCKS5 host name must be 1-255 bytes: ${host}`);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`port out of range: ${port}`);
  const addr = ipv4 ? Buffer.from(host.split('.').map(Number)) : Buffer.concat([Buffer.from([name.length]), name]);
  const out = Buffer.alloc(4 + addr.length + 2);
  out[0] = 5;
  out[1] = 1; // CONNECT
  out[2] = 0;
  out[3] = ipv4 ? 1 : 3;
  addr.copy(out, 4);
  out.writeUInt16BE(port, 4 + addr.length);
  return out;
}

/**
 * How long the reply starting at `buf` is, once enough of it has come to tell (null until then):
 * VER REP RSV ATYP, the bound address (4, 16 or 1 + length bytes), the port.
 */
function replyLength(buf) {
  if (buf.length < 5) return null;
  if (buf[0] !== 5) throw new Error(`not a SOCKS5 reply (version ${buf[0]})`);
  switch (buf[3]) {
    case 1:
      return 10;
    case 4:
      return 22;
    case 3:
      return 7 + buf[4];
    default:
      throw new Error(`SOCKS5 reply with unknown address type ${buf[3]}`);
  }
}

/**
 * One connection: connect, (SOCKS5 greeting, CONNECT), the request, and the time from connect()
 * to the first byte of the response in ms. `socks` null means a plain tunnel port (the mapping
 * rows, the same-program reference).
 */
function oneConnection({ port, socks, request, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    let stage = socks ? 'method' : 'response';
    let buf = Buffer.alloc(0);
    const fail = (err) => {
      clearTimeout(timer);
      s.destroy();
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`timeout in stage ${stage}`)), timeoutMs);
    s.once('connect', () => s.write(socks ? encodeGreeting() : request));
    s.on('data', (chunk) => {
      if (stage === 'response') {
        clearTimeout(timer);
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
        s.destroy();
        return;
      }
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      try {
        if (stage === 'method') {
          if (buf.length < 2) return;
          if (buf[0] !== 5 || buf[1] !== 0) return fail(new Error(`SOCKS5 method refused: ${buf.subarray(0, 2).toString('hex')}`));
          buf = buf.subarray(2);
          stage = 'reply';
          s.write(encodeConnect(socks.host, socks.port));
        }
        if (stage === 'reply') {
          const n = replyLength(buf);
          if (n === null || buf.length < n) return;
          if (buf[1] !== 0) return fail(new Error(`SOCKS5 CONNECT refused: REP ${buf[1]}`));
          stage = 'response';
          s.write(request);
        }
      } catch (err) {
        fail(err);
      }
    });
    s.once('error', fail);
    s.once('close', () => fail(new Error(`closed in stage ${stage}`)));
  });
}

/**
 * `count` new connections, `concurrency` at a time: each sample is connect to first response
 * byte; the rate is connections completed per second of wall time.
 */
async function connectionLoad({ port, socks, request, count, concurrency = 1 }) {
  const samples = [];
  let errors = 0;
  let lastError = null;
  let next = 0;
  const worker = async () => {
    while (next < count) {
      next += 1;
      try {
        samples.push(await oneConnection({ port, socks, request }));
      } catch (err) {
        errors += 1;
        lastError = err.message;
      }
    }
  };
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { samples, errors, lastError, seconds, rate: samples.length / seconds };
}

module.exports = { encodeGreeting, encodeConnect, replyLength, oneConnection, connectionLoad };
