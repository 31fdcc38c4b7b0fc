import { createHash } from 'node:crypto';

/**
 * A mail-processor-like client, run by the image's node (`node -e CLIENT_SCRIPT`) inside a pod:
 * IMAPS, SMTPS and submission with STARTTLS to the real names, checking the certificate against
 * CA_PEM only. It prints one JSON line: per protocol, the sha256 of every byte it received and
 * whether TLS was authorized. Env: CA_PEM (or CA_FILE), TARGETS (JSON {imaps|smtps|submission: "host:port" or
 * "name@address:port"}),
 * READY_URL (polled first: a classic sidecar starts beside the app, not before it), QUIT_URL
 * (POSTed at the end, as a Job's app does), HOLD_MS (IMAPS only: wait this long between the
 * greeting and LOGOUT, printing "greeted" first, for the drain test).
 */
export const CLIENT_SCRIPT = String.raw`
const tls = require('node:tls'), net = require('node:net'), crypto = require('node:crypto');
const ca = process.env.CA_PEM || require('node:fs').readFileSync(process.env.CA_FILE, 'utf8');
const targets = JSON.parse(process.env.TARGETS || '{}');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function conversation(socket, seen) {
  let text = '';
  const onData = (d) => { seen.push(d); text += d.toString('latin1'); };
  socket.on('data', onData);
  return {
    async wait(re) {
      for (const t0 = Date.now(); !re.test(text); await sleep(5)) {
        if (Date.now() - t0 > 15000) throw new Error('timed out waiting for ' + re + '; got ' + JSON.stringify(text));
      }
      text = '';
    },
    detach() { socket.removeListener('data', onData); },
  };
}
const split = (t) => { const [name, hp] = t.includes('@') ? t.split('@') : [t.slice(0, t.lastIndexOf(':')), t]; const i = hp.lastIndexOf(':'); return [hp.slice(0, i), Number(hp.slice(i + 1)), name]; };
function secure(options) {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ ...options, ca }, () => resolve(s));
    s.once('error', reject);
  });
}
async function imaps(hp, holdMs) {
  const [host, port, name] = split(hp); const seen = [];
  const s = await secure({ host, port, servername: name });
  const c = conversation(s, seen);
  await c.wait(/ready\r\n$/);
  if (holdMs) { console.log('greeted'); await sleep(holdMs); }
  s.write('a1 LOGOUT\r\n');
  await c.wait(/a1 OK .*\r\n$/);
  s.destroy();
  return { authorized: s.authorized, sha256: crypto.createHash('sha256').update(Buffer.concat(seen)).digest('hex') };
}
async function smtps(hp) {
  const [host, port, name] = split(hp); const seen = [];
  const s = await secure({ host, port, servername: name });
  const c = conversation(s, seen);
  await c.wait(/^220 .*\r\n$/); s.write('EHLO kube\r\n');
  await c.wait(/^250 .*\r\n$/); s.write('QUIT\r\n');
  await c.wait(/^221 .*\r\n$/); s.destroy();
  return { authorized: s.authorized, sha256: crypto.createHash('sha256').update(Buffer.concat(seen)).digest('hex') };
}
async function submission(hp) {
  const [host, port, name] = split(hp); const seen = [];
  const plain = net.connect(port, host);
  await new Promise((r, j) => { plain.once('connect', r); plain.once('error', j); });
  const p = conversation(plain, seen);
  await p.wait(/^220 .*\r\n$/); plain.write('EHLO kube\r\n');
  await p.wait(/250 STARTTLS\r\n$/); plain.write('STARTTLS\r\n');
  await p.wait(/^220 .*\r\n$/); p.detach();
  const s = await secure({ socket: plain, servername: name });
  const c = conversation(s, seen);
  s.write('EHLO kube\r\n'); await c.wait(/^250 .*\r\n$/);
  s.write('QUIT\r\n'); await c.wait(/^221 .*\r\n$/); s.destroy();
  return { authorized: s.authorized, sha256: crypto.createHash('sha256').update(Buffer.concat(seen)).digest('hex') };
}
(async () => {
  if (process.env.READY_URL) {
    for (const t0 = Date.now(); ; await sleep(100)) {
      const ok = await fetch(process.env.READY_URL).then((r) => r.ok, () => false);
      if (ok) break;
      if (Date.now() - t0 > 30000) throw new Error('the sidecar never became ready at ' + process.env.READY_URL);
    }
  }
  const out = {};
  if (targets.imaps) out.imaps = await imaps(targets.imaps, Number(process.env.HOLD_MS || 0));
  if (targets.smtps) out.smtps = await smtps(targets.smtps);
  if (targets.submission) out.submission = await submission(targets.submission);
  if (process.env.QUIT_URL) out.quit = (await fetch(process.env.QUIT_URL, { method: 'POST' })).status;
  console.log(JSON.stringify(out));
})().catch((err) => { console.error('client: ' + err.message); process.exit(1); });
`;

const sha = (s: string) => createHash('sha256').update(Buffer.from(s, 'latin1')).digest('hex');

/** What the test servers of test/support/mail-servers.ts send in the sessions above, hashed. */
export function expectedTranscripts(imapName: string, smtpName: string) {
  return {
    imaps: sha(`* OK [CAPABILITY IMAP4rev1] ${imapName} ready\r\n* BYE ${imapName} logging out\r\na1 OK LOGOUT completed\r\n`),
    smtps: sha(`220 ${smtpName} ESMTP ready\r\n250 ${smtpName} greets you over TLS\r\n221 2.0.0 ${smtpName} closing\r\n`),
    submission: sha(
      `220 ${smtpName} ESMTP ready\r\n250-${smtpName} at your service\r\n250 STARTTLS\r\n220 2.0.0 Ready to start TLS\r\n` +
        `250 ${smtpName} greets you over TLS\r\n221 2.0.0 ${smtpName} closing\r\n`,
    ),
  };
}
