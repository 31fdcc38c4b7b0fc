import dgram from 'node:dgram';
import net from 'node:net';
import packet from 'dns-packet';

export type Transport = 'udp' | 'tcp';

export interface Query {
  id: number;
  name: string;
  type: string;
  transport: Transport;
  packet: packet.DecodedPacket;
}

/**
 * What the server sends back: a packet, several, raw bytes, or nothing at all (silence).
 * Returning a promise lets a test hold the answer back.
 */
export type Reply = Buffer | Buffer[] | undefined | Promise<Buffer | Buffer[] | undefined>;

export interface FakeDns {
  host: string;
  port: number;
  /** As a --dns entry: `127.0.0.1:PORT`. */
  spec: string;
  queries: Query[];
  close(): Promise<void>;
}

export interface RecordSpec {
  type: 'A' | 'AAAA' | 'CNAME';
  name: string;
  data: string;
  ttl?: number;
}

export interface AnswerOptions {
  rcode?: number;
  truncated?: boolean;
  id?: number;
  question?: { name: string; type: string };
  soaMinimum?: number;
}

/** A well-formed answer to `q`, or a deliberately wrong one through `options`. */
export function answer(q: Query, records: RecordSpec[], options: AnswerOptions = {}): Buffer {
  const flags = packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (options.truncated ? packet.TRUNCATED_RESPONSE : 0) | (options.rcode ?? 0);
  const question = options.question ?? { name: q.name, type: q.type };
  return packet.encode({
    type: 'response',
    id: options.id ?? q.id,
    flags,
    questions: [{ name: question.name, type: question.type as 'A', class: 'IN' }],
    answers: records.map((r) => ({ type: r.type, name: r.name, ttl: r.ttl ?? 60, class: 'IN', data: r.data }) as packet.Answer),
    authorities:
      options.soaMinimum === undefined
        ? []
        : [
            {
              type: 'SOA',
              name: 'test',
              ttl: options.soaMinimum,
              data: { mname: 'ns.test', rname: 'root.test', serial: 1, refresh: 60, retry: 60, expire: 60, minimum: options.soaMinimum },
            },
          ],
  });
}

/** Records for `name` from a table, with CNAMEs; what a simple honest server does. */
export function fromTable(table: RecordSpec[]) {
  return (q: Query): Buffer => {
    const out: RecordSpec[] = [];
    let name = q.name.toLowerCase();
    for (let i = 0; i < 10; i++) {
      const cname = table.find((r) => r.type === 'CNAME' && r.name === name);
      if (!cname) break;
      out.push(cname);
      name = cname.data;
    }
    out.push(...table.filter((r) => r.type === q.type && r.name === name));
    return answer(q, out);
  };
}

/**
 * A DNS server for tests on 127.0.0.1, UDP and TCP on the same port, whose answers the test
 * writes: right, wrong, garbage or none.
 */
export async function startFakeDns(handler: (q: Query) => Reply): Promise<FakeDns> {
  // UDP picks a free port, and TCP must then get the same one; under load another socket may
  // hold it for TCP (even as a client's local port), so try again with a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startFakeDnsOnce(handler);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 20) throw err;
    }
  }
}

async function startFakeDnsOnce(handler: (q: Query) => Reply): Promise<FakeDns> {
  const queries: Query[] = [];
  const udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(0, '127.0.0.1', () => resolve());
  });
  const port = udp.address().port;
  const decode = (buf: Buffer, transport: Transport): Query | undefined => {
    try {
      const p = packet.decode(buf);
      const [question] = p.questions ?? [];
      if (!question) return undefined;
      const q: Query = { id: p.id ?? 0, name: question.name, type: question.type, transport, packet: p };
      queries.push(q);
      return q;
    } catch {
      return undefined;
    }
  };
  const list = (r: Buffer | Buffer[] | undefined): Buffer[] => (r === undefined ? [] : Array.isArray(r) ? r : [r]);
  udp.on('message', async (msg, rinfo) => {
    const q = decode(msg, 'udp');
    if (!q) return;
    for (const out of list(await handler(q))) udp.send(out, rinfo.port, rinfo.address);
  });
  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', async (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
        const size = buf.readUInt16BE(0);
        const msg = buf.subarray(2, size + 2);
        buf = buf.subarray(size + 2);
        const q = decode(msg, 'tcp');
        if (!q) continue;
        for (const out of list(await handler(q))) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(out.length);
          socket.write(Buffer.concat([len, out]));
        }
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', (err) => {
      udp.close();
      reject(err);
    });
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    host: '127.0.0.1',
    port,
    spec: `127.0.0.1:${port}`,
    queries,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => udp.close(() => r())), new Promise<void>((r) => tcp.close(() => r()))]);
    },
  };
}
