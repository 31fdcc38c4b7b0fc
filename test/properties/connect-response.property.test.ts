import fc from 'fast-check';
import { ConnectResponse, ConnectResponseParser, DEFAULT_MAX_HEADER_BYTES } from '../../src/proxy/connect-response';
import { PtunnelError } from '../../src/errors';

/**
 * Feeds `bytes` in chunks cut at `cuts` (offsets, any order, duplicates allowed). Returns the
 * answer (its `rest` extended with the bytes not fed yet: they belong to the server too), the
 * error thrown, or 'more' when the parser still waits. Any exception other than a PtunnelError
 * escapes and fails the property.
 */
function feed(bytes: Uint8Array, cuts: number[], max?: number): { answer: ConnectResponse; fed: number } | PtunnelError | 'more' {
  const parser = new ConnectResponseParser(max);
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let offset = 0;
  for (const end of [...points, bytes.length]) {
    if (end <= offset) continue;
    let answer: ConnectResponse | undefined;
    try {
      answer = parser.push(Buffer.from(bytes.subarray(offset, end)));
    } catch (err) {
      if (err instanceof PtunnelError) return err;
      throw err;
    }
    if (answer) return { answer: { ...answer, rest: Buffer.concat([answer.rest, Buffer.from(bytes.subarray(end))]) }, fed: end };
    offset = end;
  }
  return 'more';
}

const cutsArb = fc.array(fc.nat({ max: 70_000 }), { maxLength: 40 });
const token = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,20}$/);
const fieldValue = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

describe('ConnectResponseParser (property-based)', () => {
  it('on any bytes, split anywhere: an answer, a PtunnelError, or a wait within the size bound; nothing else', () => {
    const garbage = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      // Near misses: an HTTP-looking start, then anything, with line breaks sprinkled in.
      fc
        .tuple(fc.constantFrom('HTTP/', 'HTTP/1.1 ', 'HTTP/1.1 200 OK\r\n', 'HTTP/1.0 407 x\n', 'HTTP/9.9 999\r\n'), fc.array(fc.oneof(fc.constantFrom('\r\n', '\n', '\r', ':', ' ', '\r\n\r\n', '\n\n'), fc.string({ maxLength: 20 }))))
        .map(([head, parts]) => new Uint8Array(Buffer.from(head + parts.join(''), 'latin1'))),
    );
    fc.assert(
      fc.property(garbage, cutsArb, fc.option(fc.integer({ min: 1, max: 4096 }), { nil: undefined }), (bytes, cuts, max) => {
        const r = feed(bytes, cuts, max);
        if (r instanceof PtunnelError) {
          expect(r.code).toBe('ERR_PROXY_PROTOCOL');
          expect(r.message.length).toBeLessThan(400);
        } else if (r === 'more') {
          // Waiting is only right while the input is short of the bound.
          expect(bytes.length).toBeLessThan(max ?? DEFAULT_MAX_HEADER_BYTES);
        } else {
          expect(r.answer.statusCode).toBeGreaterThanOrEqual(100);
          expect(r.fed).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('parses any valid head, split anywhere, and hands back exactly the bytes after it', () => {
    const head = fc.record({
      minor: fc.constantFrom('1.0', '1.1'),
      // Other 1xx are interim answers, skipped until the final one (test/proxy/connect-response-interim-1xx.test.ts).
      status: fc.oneof(fc.constant(101), fc.integer({ min: 200, max: 599 })),
      reason: fc.option(fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/), { nil: undefined }),
      headers: fc.array(fc.tuple(token, fieldValue), { maxLength: 12 }),
      eol: fc.constantFrom('\r\n', '\n'),
    });
    fc.assert(
      fc.property(head, fc.uint8Array({ maxLength: 40_000 }), cutsArb, (h, rest, cuts) => {
        const statusLine = `HTTP/${h.minor} ${h.status}${h.reason === undefined ? '' : ` ${h.reason}`}`;
        const text = [statusLine, ...h.headers.map(([n, v]) => `${n}:${v}`)].join(h.eol) + h.eol + h.eol;
        const bytes = Buffer.concat([Buffer.from(text, 'latin1'), rest]);
        const r = feed(bytes, cuts);
        if (r instanceof PtunnelError || r === 'more') throw new Error(`not parsed: ${r instanceof PtunnelError ? r.message : r}`);
        expect(r.answer.statusCode).toBe(h.status);
        expect(r.answer.httpVersion).toBe(h.minor);
        expect(r.answer.reason).toBe(h.reason ?? '');
        expect(r.answer.statusLine).toBe(statusLine);
        const expected: Record<string, string> = {};
        for (const [n, v] of h.headers) {
          const k = n.toLowerCase();
          expected[k] = expected[k] === undefined ? v.trim() : `${expected[k]}, ${v.trim()}`;
        }
        expect(r.answer.headers).toEqual(expected);
        expect(Buffer.compare(r.answer.rest, Buffer.from(rest))).toBe(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('parses a head that exactly fills the size bound', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[\x21-\x7e]{1,200}$/), fc.uint8Array({ maxLength: 100 }), cutsArb, (reason, rest, cuts) => {
        const text = `HTTP/1.1 200 ${reason}\r\n\r\n`;
        const r = feed(Buffer.concat([Buffer.from(text, 'latin1'), rest]), cuts, text.length);
        if (r instanceof PtunnelError || r === 'more') throw new Error(`not parsed: ${r instanceof PtunnelError ? r.message : r}`);
        expect(Buffer.compare(r.answer.rest, Buffer.from(rest))).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
