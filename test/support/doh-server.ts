import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import packet from 'dns-packet';
import type { Query } from './fake-dns';
import { requireTool } from './tools';

export interface TestCa {
  ca: Buffer;
  key: Buffer;
  cert: Buffer;
}

/** A throw-away CA and a certificate for 127.0.0.1 signed by it, made with openssl. */
export function makeTestCa(): TestCa {
  const openssl = requireTool('openssl', 'apt-get install -y openssl');
  if (!openssl) throw new Error('openssl is not installed; the DoH tests need it to make a test CA');
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-ca-'));
  try {
    const run = (...args: string[]) => execFileSync(openssl, args, { cwd: dir, stdio: 'pipe' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ptunnel test CA');
    run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
    return { ca: readFileSync(join(dir, 'ca.pem')), key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface DohRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  accept: string | undefined;
}

export interface DohServer {
  /** https://127.0.0.1:PORT/dns-query */
  url: string;
  requests: DohRequest[];
  queries: Array<Query & { method: string }>;
  close(): Promise<void>;
}

export type DohReply = Buffer | { status: number; body?: Buffer | string; type?: string } | undefined;

function fromBase64url(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** An RFC 8484 endpoint at /dns-query on 127.0.0.1, GET and POST, answers from `handler`. */
export async function startDohServer(tls: TestCa, handler: (q: Query) => DohReply | Promise<DohReply>): Promise<DohServer> {
  const requests: DohRequest[] = [];
  const queries: DohServer['queries'] = [];
  const server = https.createServer({ key: tls.key, cert: tls.cert }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    requests.push({ method: req.method ?? '', path: url.pathname, contentType: req.headers['content-type'], accept: req.headers.accept });
    let raw: Buffer | undefined;
    if (url.pathname !== '/dns-query') {
      res.writeHead(404).end();
      return;
    }
    if (req.method === 'GET') raw = url.searchParams.has('dns') ? fromBase64url(url.searchParams.get('dns') as string) : undefined;
    else if (req.method === 'POST' && req.headers['content-type'] === 'application/dns-message') raw = Buffer.concat(chunks);
    if (!raw) {
      res.writeHead(400).end();
      return;
    }
    const p = packet.decode(raw);
    const question = p.questions?.[0];
    const q = { id: p.id ?? 0, name: question?.name ?? '', type: question?.type ?? '', transport: 'tcp' as const, packet: p, method: req.method ?? '' };
    queries.push(q);
    const reply = await handler(q);
    if (reply === undefined) return; // silence: hold the request open
    if (Buffer.isBuffer(reply)) {
      res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': reply.length }).end(reply);
    } else {
      res.writeHead(reply.status, { 'content-type': reply.type ?? 'application/dns-message' }).end(reply.body ?? '');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as import('node:net').AddressInfo;
  return {
    url: `https://127.0.0.1:${port}/dns-query`,
    requests,
    queries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
