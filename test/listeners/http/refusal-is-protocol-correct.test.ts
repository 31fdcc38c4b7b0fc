import { refusalBytes } from '../../../src/listeners/http/request';
import { failureStatus } from '../../../src/listeners/http/status';
import { PtunnelError } from '../../../src/errors';

describe('ptunnel\'s own answers', () => {
  it('a refusal is a status line, a text body of the length it says, and Connection: close', () => {
    const text = refusalBytes({ status: 400, text: 'bad\r\nthing' }).toString();
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')).toEqual(['HTTP/1.1 400 Bad Request', 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${body.length}`, 'Connection: close']);
    expect(body).toBe('bad thing\n');
  });

  it.each<[PtunnelError | Error, number]>([
    [new PtunnelError('ERR_PROXY_FORBIDDEN', 'no', { details: { status: 403, statusLine: '' } }), 403],
    [new PtunnelError('ERR_DNS_LOOP', 'loop', { details: {} as never }), 403],
    [new PtunnelError('ERR_PROXY_TIMEOUT', 'slow', { details: { phase: 'answer' } }), 504],
    [new PtunnelError('ERR_DIRECT_TIMEOUT', 'slow'), 504],
    [new PtunnelError('ERR_DIRECT_CONNECT', 'refused'), 502],
    [new PtunnelError('ERR_DNS_NXDOMAIN', 'no such name', { details: {} as never }), 502],
    [new PtunnelError('ERR_DEST_DENIED', 'every address refused'), 403],
    [new Error('other'), 502],
  ])('an upstream failure %p answers %d', (err, status) => {
    expect(failureStatus(err)).toBe(status);
  });
});
