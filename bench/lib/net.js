'use strict';
// Loopback clients the benchmark runs in-process: idle connections and set-up latency.
const net = require('node:net');

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once something accepts on the port. It retries every 5 ms: the start-up figures come
 * from here, and at 50 ms they fell into steps of 50 (53, 107, 154 ms) whatever the real time.
 * A refused connect on loopback costs tens of microseconds, so the polling barely slows a start.
 */
function waitPort(port, timeoutMs, child) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child && (child.exitCode !== null || child.signalCode !== null)) {
        reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before listening on ${port}`));
        return;
      }
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve();
      });
      s.once('error', () => {
        s.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 5);
      });
    };
    attempt();
  });
}

/** The request line and headers for the small page, direct or through an HTTP proxy. */
function pageRequest({ nginxPort, viaHttpProxy, close }) {
  const target = viaHttpProxy ? `http://127.0.0.1:${nginxPort}/index.html` : '/index.html';
  return (
    `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${nginxPort}\r\n` +
    `Connection: ${close ? 'close' : 'keep-alive'}\r\n\r\n`
  );
}

/** Resolves once one whole HTTP response (with Content-Length) has arrived on `socket`. */
function readResponse(socket, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const done = (err) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.removeListener('error', onError);
      if (err) reject(err);
      else resolve();
    };
    const onData = (chunk) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buf.toString('latin1', 0, end);
      if (!/^HTTP\/1\.[01] 200/.test(head)) return done(new Error(`bad response: ${head.split('\r\n')[0]}`));
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const want = m ? Number(m[1]) : 0;
      if (buf.length - end - 4 >= want) done();
    };
    const onClose = () => done(new Error('closed before the response'));
    const onError = (err) => done(err);
    const timer = setTimeout(() => done(new Error('timeout')), timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
  });
}

/**
 * Opens `count` connections in batches, each carrying one request and response (so each is a
 * working tunnel end to end), then leaves them idle. Returns the sockets and the time taken.
 */
async function openIdle({ port, count, batch, request }) {
  const sockets = [];
  // Why connections failed, by message: a count alone does not say whose fault it was.
  const state = { dropped: 0, failed: 0, reasons: {} };
  const openOne = async () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    await new Promise((resolve, reject) => {
      s.once('connect', resolve);
      s.once('error', reject);
    });
    s.setNoDelay(true);
    const res = readResponse(s);
    s.write(request);
    await res;
    s.once('close', () => {
      state.dropped += 1;
    });
    return s;
  };
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    const results = await Promise.allSettled(Array.from({ length: n }, openOne));
    for (const r of results) {
      if (r.status === 'fulfilled') sockets.push(r.value);
      else {
        state.failed += 1;
        const why = r.reason?.code ?? r.reason?.message ?? String(r.reason);
        state.reasons[why] = (state.reasons[why] ?? 0) + 1;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { sockets, seconds, state };
}

/** Sends one more request on a sample of the idle sockets: are the tunnels still alive? */
async function probeIdle(sockets, request, sample) {
  const step = Math.max(1, Math.floor(sockets.length / sample));
  const picked = sockets.filter((_, i) => i % step === 0).slice(0, sample);
  const results = await Promise.allSettled(
    picked.map((s) => {
      const res = readResponse(s, 10_000);
      s.write(request);
      return res;
    }),
  );
  return { probed: picked.length, ok: results.filter((r) => r.status === 'fulfilled').length };
}

/** Sequential new connections: time from connect() to the first byte of the response. */
async function setupLatency({ port, count, request, warmup = 10, gapMs = 0 }) {
  const samples = [];
  let errors = 0;
  for (let i = 0; i < count + warmup; i += 1) {
    if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    try {
      const ms = await new Promise((resolve, reject) => {
        const t0 = process.hrtime.bigint();
        const s = net.connect(port, '127.0.0.1');
        const timer = setTimeout(() => {
          s.destroy();
          reject(new Error('timeout'));
        }, 10_000);
        s.setNoDelay(true);
        s.once('connect', () => s.write(request));
        s.once('data', () => {
          clearTimeout(timer);
          resolve(Number(process.hrtime.bigint() - t0) / 1e6);
          s.destroy();
        });
        s.once('error', (err) => {
          clearTimeout(timer);
          reject(err);
        });
        s.once('close', () => {
          clearTimeout(timer);
          reject(new Error('closed'));
        });
      });
      if (i >= warmup) samples.push(ms);
    } catch {
      if (i >= warmup) errors += 1;
    }
  }
  return { samples, errors };
}

module.exports = { freePort, waitPort, pageRequest, readResponse, openIdle, probeIdle, setupLatency };
