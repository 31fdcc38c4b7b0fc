import type { Answer, DecodedPacket } from 'dns-packet';
import { cryptoModule } from '../util/builtins';
import { once } from '../util/once';

/**
 * dns-packet is required by the first query, not at start: loading it (its record codecs and
 * tables) took about 7 ms, a tenth of start-up to listening, and a tunnel through a proxy or to an
 * IP address never asks ptunnel's resolver anything.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dnsPacket = once(() => require('dns-packet') as typeof import('dns-packet'));

export type AddressType = 'A' | 'AAAA';

export interface Question {
  name: string;
  type: AddressType;
}

export type Rcode = 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' | string;

export interface RecordData {
  type: AddressType | 'CNAME';
  name: string;
  ttl: number;
  data: string;
}

export interface DnsResponse {
  rcode: Rcode;
  truncated: boolean;
  records: RecordData[];
  /** From the SOA in the authority section: how long the server says "no" may be remembered. */
  negativeTtl?: number;
}

/** Room for answers over UDP without IP fragmentation (the DNS flag day 2020 value). */
export const EDNS_UDP_SIZE = 1232;

/** Random IDs: with the random source port they are what stops off-path answer spoofing. */
export function newId(): number {
  return cryptoModule().randomInt(0, 0x10000);
}

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function buildQuery(q: Question, id: number): Buffer {
  const packet = dnsPacket();
  return packet.encode({
    type: 'query',
    id,
    flags: packet.RECURSION_DESIRED,
    questions: [{ type: q.type, name: q.name, class: 'IN' }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_SIZE, flags: 0, options: [] } as unknown as Answer],
  });
}

/** Why a packet does not count as the answer to our query. */
export type MismatchReason = 'garbage' | 'not a response' | 'wrong ID' | 'wrong question';

export class MismatchError extends Error {
  constructor(readonly reason: MismatchReason, detail?: string) {
    super(detail ? `${reason} (${detail})` : reason);
  }
}

/**
 * Decodes `buf` and accepts it only as the answer to `q` sent with `id`; anything else throws
 * MismatchError. Over UDP the caller drops such packets and keeps waiting, as a stray or forged
 * datagram must not end the query.
 */
export function parseResponse(buf: Buffer, q: Question, id: number): DnsResponse {
  const packet = dnsPacket();
  let decoded: DecodedPacket;
  try {
    decoded = packet.decode(buf);
  } catch (err) {
    throw new MismatchError('garbage', (err as Error).message);
  }
  // dns-packet reads past the end of a short buffer instead of failing; catch that here.
  if (packet.decode.bytes > buf.length) {
    throw new MismatchError('garbage', `message ends after ${buf.length} of ${packet.decode.bytes} bytes (truncated)`);
  }
  if (decoded.type !== 'response') throw new MismatchError('not a response');
  if (decoded.id !== id) throw new MismatchError('wrong ID', `got ${decoded.id}, sent ${id}`);
  const [question] = decoded.questions ?? [];
  if (
    decoded.questions?.length !== 1 ||
    !question ||
    normalizeName(question.name) !== normalizeName(q.name) ||
    question.type !== q.type ||
    (question.class !== undefined && question.class !== 'IN')
  ) {
    const got = question ? `${question.name} ${question.type}` : 'none';
    throw new MismatchError('wrong question', `got ${got}, asked ${q.name} ${q.type}`);
  }
  const rcode = (buf.readUInt16BE(2) & 0x0f) as number;
  const response: DnsResponse = {
    rcode: RCODES[rcode] ?? `RCODE_${rcode}`,
    truncated: decoded.flag_tc,
    records: [],
  };
  for (const a of decoded.answers ?? []) {
    if ((a.type === 'A' || a.type === 'AAAA' || a.type === 'CNAME') && (a.class === undefined || a.class === 'IN')) {
      response.records.push({ type: a.type, name: normalizeName(a.name), ttl: a.ttl ?? 0, data: String(a.data) });
    }
  }
  for (const a of decoded.authorities ?? []) {
    if (a.type === 'SOA') response.negativeTtl = Math.min(a.ttl ?? 0, a.data.minimum ?? 0);
  }
  return response;
}

const RCODES: Record<number, string> = { 0: 'NOERROR', 1: 'FORMERR', 2: 'SERVFAIL', 3: 'NXDOMAIN', 4: 'NOTIMP', 5: 'REFUSED' };

export interface ChainResult {
  /** The name the addresses belong to (the end of the CNAME chain). */
  target: string;
  /** CNAMEs walked, in order. */
  chain: string[];
  addresses: Array<{ address: string; ttl: number }>;
  /** Smallest TTL along the chain and the addresses. */
  ttl: number;
}

/**
 * Walks the CNAME records from `name` and collects the addresses of the last name. Records for
 * names outside the chain are ignored: a server must not be able to plant addresses for names
 * we did not ask about. A loop in the chain stops the walk.
 */
export function followChain(name: string, type: AddressType, records: readonly RecordData[]): ChainResult {
  let current = normalizeName(name);
  const chain: string[] = [];
  let ttl = Number.POSITIVE_INFINITY;
  const seen = new Set([current]);
  for (;;) {
    const cname = records.find((r) => r.type === 'CNAME' && r.name === current);
    if (!cname) break;
    const next = normalizeName(cname.data);
    if (seen.has(next)) break;
    seen.add(next);
    chain.push(next);
    ttl = Math.min(ttl, cname.ttl);
    current = next;
  }
  const addresses = records.filter((r) => r.type === type && r.name === current).map((r) => ({ address: r.data, ttl: r.ttl }));
  for (const a of addresses) ttl = Math.min(ttl, a.ttl);
  return { target: current, chain, addresses, ttl: Number.isFinite(ttl) ? ttl : 0 };
}
