import type { ProxyEndpoint } from '../config/proxy-spec';
import { describeProxy } from '../config/proxy-spec';
import { PtunnelError, systemCode } from '../errors';
import { shownBytes } from './shown';

/**
 * What OpenSSL says when the other end answered, but not in TLS: a plain-HTTP proxy answering
 * the ClientHello with "HTTP/1.1 400" reads as a record of a wrong version or absurd length.
 */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

/** The chain does not end at a CA we trust. */
const UNKNOWN_CA = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** The names a certificate is for, from its subjectAltName (else its CN); sanitised, as the proxy chose them. */
function certificateNames(err: Error): string {
  const cert = (err as { cert?: { subjectaltname?: string; subject?: { CN?: string | string[] } } }).cert;
  const alt = (cert?.subjectaltname ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  const cn = cert?.subject?.CN;
  const names = alt.length > 0 ? alt : [cn].flat().filter((n): n is string => typeof n === 'string');
  return names.length > 0 ? shownBytes(names.join(', '), 120).slice(1, -1) : 'no name';
}

/**
 * The one-line error for a TLS handshake with the proxy that failed, with the hint for that
 * failure. OpenSSL's own text is never shown: it spans lines and names source files, and it
 * tells the user nothing they can act on.
 */
export function tlsFailure(err: Error, endpoint: ProxyEndpoint, caGiven: boolean): PtunnelError {
  const proxy = describeProxy(endpoint);
  const code = systemCode(err) ?? '';
  const fail = (message: string) => new PtunnelError('ERR_PROXY_PROTOCOL', message, { cause: err });
  if (NOT_TLS.has(code)) {
    return fail(`the proxy at ${proxy} did not answer TLS: is it an http:// proxy? use ${describeProxy({ ...endpoint, protocol: 'http' })} in --proxy`);
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return fail(`the certificate of proxy ${proxy} is for ${certificateNames(err)}, not ${endpoint.host}: use the name on the certificate in --proxy`);
  }
  if (UNKNOWN_CA.has(code)) {
    return fail(
      caGiven
        ? `the certificate of proxy ${proxy} is not signed by the CA in --proxy-ca: give the CA that signed it`
        : `the certificate of proxy ${proxy} is signed by an unknown CA: give its CA with --proxy-ca FILE`,
    );
  }
  if (code === 'CERT_HAS_EXPIRED') return fail(`the certificate of proxy ${proxy} has expired: the proxy needs a new one (or this machine's clock is wrong)`);
  if (code === 'CERT_NOT_YET_VALID') return fail(`the certificate of proxy ${proxy} is not valid yet: check this machine's clock`);
  const named = /^[A-Z0-9_]{1,64}$/.test(code) ? ` (${code})` : '';
  return fail(`TLS with proxy ${proxy} failed${named}: check the proxy URL in --proxy and the CA in --proxy-ca`);
}
