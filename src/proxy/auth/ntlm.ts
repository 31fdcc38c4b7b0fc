import type { ProxyCredentials } from '../../config/load';
import { buildAuthenticate, buildNegotiate, ntHash, parseChallenge } from './ntlm/index';
import { offeredSchemes } from './offered';
import type { ProxyAuthScheme } from './scheme';

/**
 * NTLMv2 for one connection: type 1 with the first CONNECT, the type 3 answering the proxy's
 * type 2 challenge on the same socket, and nothing after: a 407 to the type 3 is a refusal.
 * The domain is the user's (DOMAIN\user, user@REALM, --proxy-domain), never the challenge's
 * target name: a server's realm is not necessarily the account's (cntlm#83).
 */
export function ntlmScheme(credentials: ProxyCredentials): ProxyAuthScheme {
  let answered = false;
  return {
    name: 'NTLM',
    connectionBound: true,
    first: () => `NTLM ${buildNegotiate().toString('base64')}`,
    next: (answer) => {
      if (answered) return undefined;
      const offer = offeredSchemes(answer.headers['proxy-authenticate']).find((o) => o.scheme === 'ntlm' && o.token !== undefined);
      // A bare `NTLM` after our type 1 is the proxy starting over: it did not take the negotiation.
      if (!offer?.token) return undefined;
      answered = true;
      const challenge = parseChallenge(offer.token);
      const type3 = buildAuthenticate({
        challenge,
        user: credentials.account,
        domain: credentials.domain,
        ntHash: credentials.ntHash ?? ntHash(credentials.password ?? ''),
      });
      return `NTLM ${type3.toString('base64')}`;
    },
  };
}
