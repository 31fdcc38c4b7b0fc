import { ConnectResponseParser } from '../../src/proxy/connect-response';

// The connector reads the proxy's answer into reused buffers (net/reused-reads): a chunk's memory
// is read into again as soon as the data listener returns. The parser scans a first chunk in
// place, so it must copy whatever it holds past the push, and hand out `rest` as a copy.

const head = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 Connection established\r\nVia: 1.1 squid\r\n\r\n';
const banner = '220 smtp.example.com ESMTP ready\r\n';
const answer = Buffer.from(head + banner, 'latin1');

/** Feeds `answer` split at `cuts`, each piece through the same buffer, scribbled over after each push. */
function feedThroughOneBuffer(cuts: number[]) {
  const reused = Buffer.alloc(answer.length);
  const parser = new ConnectResponseParser();
  let from = 0;
  for (const to of [...cuts, answer.length]) {
    const n = answer.copy(reused, 0, from, to);
    const res = parser.push(reused.subarray(0, n));
    reused.fill('X');
    from = to;
    if (res) return { res, fedUpTo: to };
  }
  throw new Error('no answer');
}

describe('ConnectResponseParser and reused read buffers', () => {
  it('gives the same answer and server bytes for every split, though each chunk is overwritten after its push', () => {
    for (let a = 1; a < answer.length; a++) {
      for (const cuts of [[a], [a, Math.min(answer.length - 1, a + 7)]]) {
        const { res, fedUpTo } = feedThroughOneBuffer(cuts.filter((c, i, all) => i === 0 || c > (all[i - 1] as number)));
        expect(res.statusCode).toBe(200);
        expect(res.headers).toEqual({ via: '1.1 squid' });
        expect(res.statusLine).toBe('HTTP/1.1 200 Connection established');
        // What followed the head in the last chunk fed; the rest of the banner was never pushed.
        expect(Buffer.concat([res.rest, answer.subarray(fedUpTo)]).toString('latin1')).toBe(banner);
      }
    }
  });

  it('hands out rest as a copy when the whole answer comes in one chunk', () => {
    const chunk = Buffer.from(answer);
    const res = new ConnectResponseParser().push(chunk);
    chunk.fill('X');
    expect(res?.rest.toString('latin1')).toBe(banner);
  });

  it('keeps its own copy of what it held when a chunk is refused, for the error message', () => {
    const chunk = Buffer.from('HTTP/1.1 200 OK\rX', 'latin1');
    const parser = new ConnectResponseParser();
    expect(() => parser.push(chunk)).toThrow(/CR not followed by LF/);
    chunk.fill('Z');
    expect(parser.partial().toString('latin1')).toBe('HTTP/1.1 200 OK\rX');
  });

  it('answers with an empty rest when nothing followed the head', () => {
    const res = new ConnectResponseParser().push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
    expect(res?.rest).toHaveLength(0);
    expect(res?.reason).toBe('OK');
  });
});
