import type { ProxySettings } from '../../config/load';
import { describeProxy } from '../../config/proxy-spec';
import { settingName } from '../../config/setting';
import { PtunnelError } from '../../errors';
import { ipFamily } from '../../util/ip';
import { basicScheme } from './basic';
import { OfferedScheme, offeredSchemes } from './offered';
import type { AuthChallenge, ProxyAuthScheme } from './scheme';
import { once } from '../../util/once';

/** The schemes ptunnel speaks, strongest first: what auto prefers when the proxy offers several. */
const STRENGTH = ['negotiate', 'ntlm', 'basic'] as const;
type SchemeName = (typeof STRENGTH)[number];

/**
 * auto's choice per proxy, so only the first connection to a proxy pays for the probe. Keyed by
 * the endpoint: one process has one proxy, but tests and reloads may see several.
 */
const chosen = new Map<string, SchemeName>();

const keyOf = (proxy: ProxySettings) => `${proxy.endpoint.protocol}://${proxy.endpoint.host}:${proxy.endpoint.port}`;

/** The Kerberos service for the proxy: HTTP@host as configured, never canonicalised through DNS. */
export function proxyService(proxy: ProxySettings): string {
  return proxy.spn ?? `HTTP@${proxy.endpoint.host}`;
}

/*
 * Required on first use, not imported: NTLM's messages and hashes are code most runs never need,
 * and Negotiate's is needed by the first connection through a proxy at the earliest (start-up time).
 */
function ntlmScheme(credentials: NonNullable<ProxySettings['credentials']>): ProxyAuthScheme {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('./ntlm') as typeof import('./ntlm')).ntlmScheme(credentials);
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const negotiate = once(() => require('./negotiate') as typeof import('./negotiate'));
const negotiateScheme = (service: string) => negotiate().negotiateScheme(service);

function make(name: SchemeName, proxy: ProxySettings): ProxyAuthScheme {
  if (name === 'negotiate') return negotiateScheme(proxyService(proxy));
  if (name === 'ntlm') return ntlmScheme(proxy.credentials as NonNullable<ProxySettings['credentials']>);
  return basicScheme(proxy.authorization as string);
}

/** Why ptunnel cannot use `scheme` with this configuration, or undefined when it can. */
function unusable(scheme: string, proxy: ProxySettings): string | undefined {
  const creds = proxy.credentials;
  const user = settingName('proxy.user');
  switch (scheme) {
    case 'negotiate':
      if (proxy.spn === undefined && ipFamily(proxy.endpoint.host) !== 0) {
        return `Negotiate needs the proxy by host name, not by IP address (Kerberos tickets name a host): give its name or ${settingName('proxy.spn')}`;
      }
      if (!negotiate().kerberosCredentialsAvailable()) return 'Negotiate needs a Kerberos ticket: run kinit (or log in to the domain), or set KRB5_CLIENT_KTNAME to a client keytab';
      if (!negotiate().kerberosInstalled()) return negotiate().KERBEROS_INSTALL_HINT;
      return undefined;
    case 'ntlm':
      return creds ? undefined : `NTLM needs ${user} and a password or ${settingName('proxy.ntHashFile')}`;
    case 'basic':
      return proxy.authorization !== undefined ? undefined : `Basic needs ${user} and a password${creds?.ntHash ? ' (an NT hash will not do)' : ''}`;
    default:
      return undefined;
  }
}

const names = (offers: OfferedScheme[]) => [...new Set(offers.map((o) => o.name))].join(', ') || 'no scheme at all';

/** The strongest offered scheme ptunnel can use; else an error that says what each one lacks. */
function choose(offers: OfferedScheme[], proxy: ProxySettings): SchemeName {
  const offered = new Set(offers.map((o) => o.scheme));
  const reasons: string[] = [];
  for (const name of STRENGTH) {
    if (!offered.has(name)) continue;
    const why = unusable(name, proxy);
    if (why === undefined) return name;
    reasons.push(why);
  }
  const foreign = [...new Set(offers.filter((o) => !(STRENGTH as readonly string[]).includes(o.scheme)).map((o) => o.name))];
  if (foreign.length > 0) reasons.push(`ptunnel does not speak ${foreign.join(', ')} (it speaks Basic, NTLM and Negotiate)`);
  throw new PtunnelError(
    'ERR_PROXY_AUTH',
    `proxy ${describeProxy(proxy.endpoint)} asks for ${names(offers)}, which ptunnel cannot use here: ${reasons.join('; ') || 'the proxy named no scheme'}`,
  );
}

/**
 * `--proxy-auth auto`: the first CONNECT to a proxy goes without credentials, so a proxy that
 * speaks NTLM never sees a Basic password; its 407 says which schemes it offers, and the
 * strongest usable one goes on on the same socket. The choice is remembered, so later
 * connections start with that scheme's first step and skip the probe; a 407 that no longer
 * offers the remembered scheme (the proxy was reconfigured) forgets it and chooses again from
 * that 407, instead of reading every later 407 as refused credentials until a restart.
 */
function autoScheme(proxy: ProxySettings): ProxyAuthScheme {
  const key = keyOf(proxy);
  let remembered = chosen.get(key);
  let delegate = remembered === undefined ? undefined : make(remembered, proxy);
  const chooseFrom = (offers: OfferedScheme[]) => {
    chosen.delete(key);
    const pick = choose(offers, proxy);
    chosen.set(key, pick);
    delegate = make(pick, proxy);
    return delegate.first();
  };
  return {
    get name() {
      return delegate?.name ?? 'auto';
    },
    // The probe's 407 must leave the socket open for the chosen scheme's first round.
    get connectionBound() {
      return delegate?.connectionBound ?? true;
    },
    first: () => delegate?.first(),
    next: (answer: AuthChallenge) => {
      // Only the answer to the remembered scheme's first step can overturn the memory: once it
      // is offered, its later 407s are its own rounds (NTLM's challenge) or a refusal, read by it.
      const checking = remembered;
      remembered = undefined;
      if (delegate && checking === undefined) return delegate.next(answer);
      const offers = offeredSchemes(answer.headers['proxy-authenticate']);
      if (delegate && offers.some((o) => o.scheme === checking)) return delegate.next(answer);
      return chooseFrom(offers);
    },
  };
}

/** Whether auto mode could authenticate at all: any credentials, or a Kerberos login (looked at once a second). */
function anyCredentials(proxy: ProxySettings): boolean {
  return proxy.credentials !== undefined || negotiate().kerberosLoginAvailable();
}

/**
 * The scheme for one connection attempt through `proxy` (a fresh one each time: NTLM and
 * Negotiate hold state per handshake); undefined when there is nothing to authenticate with.
 */
export function createAuthScheme(proxy: ProxySettings): ProxyAuthScheme | undefined {
  const mode = proxy.auth ?? 'auto';
  if (mode === 'auto') return anyCredentials(proxy) ? autoScheme(proxy) : undefined;
  if (mode === 'basic') return proxy.authorization === undefined ? undefined : basicScheme(proxy.authorization);
  if (mode === 'ntlm') return proxy.credentials ? ntlmScheme(proxy.credentials) : undefined;
  return negotiateScheme(proxyService(proxy));
}

/** The name of what the proxy offers, for a scheme it turned down: "Negotiate, NTLM". */
export function offeredNames(answer: AuthChallenge): string {
  return names(offeredSchemes(answer.headers['proxy-authenticate']));
}
