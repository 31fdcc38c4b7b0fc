import { ErrorCode, PtunnelError } from '../../src/errors';
import { classifyProxyFailure, ProxyFailure } from '../../src/proxy/connector';

const sys = (code: string) => Object.assign(new Error(code), { code });
const status = (code: number, text: string) => ({ status: code, statusLine: `HTTP/1.1 ${code} ${text}` });

describe('classifying a failed proxy attempt', () => {
  it.each<[string, PtunnelError, ProxyFailure]>([
    // Not reachable: mark it down, and in auto mode go direct.
    ['connect refused', new PtunnelError('ERR_PROXY_CONNECT', 'x', { cause: sys('ECONNREFUSED'), details: { phase: 'connect' } }), 'unreachable'],
    ['connect, host unreachable', new PtunnelError('ERR_PROXY_CONNECT', 'x', { cause: sys('EHOSTUNREACH') }), 'unreachable'],
    ['connect, network unreachable', new PtunnelError('ERR_PROXY_CONNECT', 'x', { cause: sys('ENETUNREACH') }), 'unreachable'],
    ['connect, no cause', new PtunnelError('ERR_PROXY_CONNECT', 'x'), 'unreachable'],
    ['timeout connecting', new PtunnelError('ERR_PROXY_TIMEOUT', 'x', { details: { phase: 'connect' } }), 'unreachable'],
    ['timeout waiting for the answer', new PtunnelError('ERR_PROXY_TIMEOUT', 'x', { details: { phase: 'answer' } }), 'unreachable'],
    // There, but the target is not: 5xx, go direct in auto mode.
    ['500', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(500, 'Internal Server Error') }), 'upstream'],
    ['502', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(502, 'Bad Gateway') }), 'upstream'],
    ['503', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(503, 'Service Unavailable') }), 'upstream'],
    ['504', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(504, 'Gateway Timeout') }), 'upstream'],
    ['599', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(599, 'Network Connect Timeout') }), 'upstream'],
    // A no that going direct would not fix, or would bypass.
    ['400', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(400, 'Bad Request') }), 'fatal'],
    ['404', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(404, 'Not Found') }), 'fatal'],
    ['405', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(405, 'Method Not Allowed') }), 'fatal'],
    ['499', new PtunnelError('ERR_PROXY_REFUSED', 'x', { details: status(499, 'Client Closed Request') }), 'fatal'],
    ['refused without a status', new PtunnelError('ERR_PROXY_REFUSED', 'x'), 'fatal'],
    ['407 (auth)', new PtunnelError('ERR_PROXY_AUTH', 'x', { details: status(407, 'Proxy Authentication Required') }), 'fatal'],
    ['403 (forbidden)', new PtunnelError('ERR_PROXY_FORBIDDEN', 'x', { details: status(403, 'Forbidden') }), 'fatal'],
    ['not HTTP', new PtunnelError('ERR_PROXY_PROTOCOL', 'x'), 'fatal'],
    // The proxy answered, badly: its fault, but it is there, so not unreachable, and no detour.
    ['a bare CR in the answer', new PtunnelError('ERR_PROXY_PROTOCOL', 'proxy answer has a CR not followed by LF: "HTTP/1.1 200 OK\\r\\r"'), 'fatal'],
    ['endless 1xx', new PtunnelError('ERR_PROXY_PROTOCOL', 'proxy answer headers exceed 16384 bytes (over 700 answers, 699 of them interim 1xx)'), 'fatal'],
    ['TLS: not TLS', new PtunnelError('ERR_PROXY_PROTOCOL', 'x', { cause: sys('ERR_SSL_WRONG_VERSION_NUMBER') }), 'fatal'],
    ['TLS: wrong name', new PtunnelError('ERR_PROXY_PROTOCOL', 'x', { cause: sys('ERR_TLS_CERT_ALTNAME_INVALID') }), 'fatal'],
    ['TLS: unknown CA', new PtunnelError('ERR_PROXY_PROTOCOL', 'x', { cause: sys('UNABLE_TO_VERIFY_LEAF_SIGNATURE') }), 'fatal'],
    ['101 to CONNECT', new PtunnelError('ERR_PROXY_PROTOCOL', 'proxy answered CONNECT with HTTP/1.1 101 Switching Protocols'), 'fatal'],
    ['closed before answering', new PtunnelError('ERR_PROXY_CLOSED', 'x', { details: { phase: 'answer' } }), 'fatal'],
    ['closed while connecting', new PtunnelError('ERR_PROXY_CLOSED', 'x', { details: { phase: 'connect' } }), 'fatal'],
  ])('%s -> %s', (_name, err, kind) => expect(classifyProxyFailure(err)).toBe(kind));

  // Out of descriptors, buffers, memory or ports here is not the proxy's fault: no back-off, no fallback.
  const shortages = ['EMFILE', 'ENFILE', 'ENOBUFS', 'ENOMEM', 'EADDRNOTAVAIL'];
  const codes: Array<[ErrorCode, PtunnelError['details']]> = [
    ['ERR_PROXY_CONNECT', { phase: 'connect' }],
    ['ERR_PROXY_TIMEOUT', { phase: 'connect' }],
    ['ERR_PROXY_REFUSED', status(502, 'Bad Gateway')],
  ];
  it.each(shortages.flatMap((shortage) => codes.map(([code, details]) => [shortage, code, details] as const)))(
    'a local shortage (%s) under %s -> fatal',
    (shortage, code, details) => {
      expect(classifyProxyFailure(new PtunnelError(code, 'x', { cause: sys(shortage), details }))).toBe('fatal');
    },
  );

  it.each<[string, unknown]>([
    ['a plain Error', new Error('boom')],
    ['a system error', sys('ECONNREFUSED')],
    ['a string', 'ECONNREFUSED'],
    ['undefined', undefined],
    ['a direct-route error', new PtunnelError('ERR_DIRECT_CONNECT', 'x', { cause: sys('ECONNREFUSED') })],
    ['a cancelled attempt', new PtunnelError('ERR_CANCELLED', 'x')],
  ])('%s (not a proxy error) -> fatal', (_name, err) => expect(classifyProxyFailure(err)).toBe('fatal'));
});
