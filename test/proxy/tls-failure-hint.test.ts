import { PtunnelError } from '../../src/errors';
import { tlsFailure } from '../../src/proxy/tls-failure';

const endpoint = { protocol: 'https' as const, host: 'proxy.corp', port: 3129 };
const opensslText = '80CCC95DE57F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../ssl3_record.c:350:\n';
const tlsError = (code: string, extra: object = {}) => Object.assign(new Error(opensslText), { code }, extra);

describe('the hint for a failed TLS handshake with the proxy', () => {
  it.each<[string, Error, boolean, string]>([
    ['not TLS', tlsError('ERR_SSL_WRONG_VERSION_NUMBER'), false, 'the proxy at https://proxy.corp:3129 did not answer TLS: is it an http:// proxy? use http://proxy.corp:3129 in --proxy'],
    ['not TLS (length)', tlsError('ERR_SSL_PACKET_LENGTH_TOO_LONG'), false, 'did not answer TLS'],
    [
      'wrong name',
      tlsError('ERR_TLS_CERT_ALTNAME_INVALID', { cert: { subjectaltname: 'DNS:a.corp, DNS:b.corp, IP Address:10.0.0.1' } }),
      true,
      'the certificate of proxy https://proxy.corp:3129 is for a.corp, b.corp, 10.0.0.1, not proxy.corp: use the name on the certificate in --proxy',
    ],
    ['wrong name, CN only', tlsError('ERR_TLS_CERT_ALTNAME_INVALID', { cert: { subject: { CN: 'old.corp' } } }), true, 'is for old.corp, not proxy.corp'],
    ['wrong name, a hostile name', tlsError('ERR_TLS_CERT_ALTNAME_INVALID', { cert: { subjectaltname: 'DNS:x\n\x1b[31mforged' } }), true, 'is for x\\n\\x1b[31mforged, not'],
    ['unknown CA', tlsError('UNABLE_TO_VERIFY_LEAF_SIGNATURE'), false, 'is signed by an unknown CA: give its CA with --proxy-ca FILE'],
    ['self-signed', tlsError('DEPTH_ZERO_SELF_SIGNED_CERT'), false, 'is signed by an unknown CA'],
    ['self-signed in chain', tlsError('SELF_SIGNED_CERT_IN_CHAIN'), false, 'is signed by an unknown CA'],
    ['not the CA given', tlsError('UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), true, 'is not signed by the CA in --proxy-ca: give the CA that signed it'],
    ['expired', tlsError('CERT_HAS_EXPIRED'), true, 'the certificate of proxy https://proxy.corp:3129 has expired'],
    ['not yet valid', tlsError('CERT_NOT_YET_VALID'), true, "is not valid yet: check this machine's clock"],
    ['anything else', tlsError('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), false, 'TLS with proxy https://proxy.corp:3129 failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE): check'],
    ['no code', new Error(opensslText), false, 'TLS with proxy https://proxy.corp:3129 failed: check'],
  ])('%s', (_name, err, caGiven, hint) => {
    const out = tlsFailure(err, endpoint, caGiven);
    expect(out).toBeInstanceOf(PtunnelError);
    expect(out.code).toBe('ERR_PROXY_PROTOCOL');
    expect(out.message).toContain(hint);
    expect([...out.message].some((c) => c < ' ' || c === '\x7f')).toBe(false);
    expect(out.message).not.toContain('SSL routines');
  });
});
