import { existsSync } from 'node:fs';
import { PtunnelError } from '../../errors';
import { offeredSchemes } from './offered';
import type { ProxyAuthScheme } from './scheme';

/**
 * The part of the optional kerberos module's API that ptunnel uses (its index.d.ts, 7.x),
 * declared here: the module is optional at build time too, and a checkout whose `npm ci` could
 * not build it (no libkrb5-dev, no node-gyp headers offline) must still compile.
 */
interface KerberosClient {
  readonly contextComplete: boolean;
  step(challenge: string): Promise<string>;
}
interface KerberosModule {
  readonly GSS_MECH_OID_SPNEGO: number;
  initializeClient(service: string, options?: { mechOID?: number }): Promise<KerberosClient>;
}

export const KERBEROS_INSTALL_HINT =
  'Negotiate needs the optional kerberos module, which is not installed: run `npm install kerberos` (it builds against libkrb5-dev; see the README section "Corporate proxies")';

let loaded: KerberosModule | undefined;

/**
 * The native module, loaded on first use only: ptunnel without it (or without the GSSAPI
 * libraries it links) must still start and run every other scheme.
 */
function kerberos(): KerberosModule {
  if (loaded) return loaded;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- optional and lazy: an import would make it required
    loaded = require('kerberos') as KerberosModule;
    return loaded;
  } catch (err) {
    throw new PtunnelError('ERR_PROXY_AUTH', KERBEROS_INSTALL_HINT, { cause: err });
  }
}

/** Whether the module loads here; auto mode passes over Negotiate when it does not. */
export function kerberosInstalled(): boolean {
  try {
    kerberos();
    return true;
  } catch {
    return false;
  }
}

function fileOf(name: string): string | undefined {
  if (name.startsWith('FILE:')) return name.slice(5);
  return name.includes(':') ? undefined : name;
}

/**
 * Whether a Kerberos login looks available, without asking the KDC: a client keytab
 * (KRB5_CLIENT_KTNAME, how a sidecar logs in), or a ticket cache (KRB5CCNAME or MIT's default
 * file). Caches that are not files (KEYRING, KCM, DIR) cannot be checked cheaply and count as
 * present; Windows' SSPI always has the domain login.
 */
export function kerberosCredentialsAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === 'win32') return true;
  const keytab = env.KRB5_CLIENT_KTNAME;
  if (keytab) {
    const file = fileOf(keytab);
    if (file === undefined || existsSync(file)) return true;
  }
  const cache = env.KRB5CCNAME;
  if (cache) {
    const file = fileOf(cache);
    return file === undefined || existsSync(file);
  }
  const uid = ownUid();
  return uid !== undefined && existsSync(`/tmp/krb5cc_${uid}`);
}

/** How long one look at the process's own Kerberos login stands: a kinit after start counts within it. */
const LOGIN_RECHECK_MS = 1000;
let lastLook: { at: number; available: boolean } | undefined;

/**
 * kerberosCredentialsAvailable for the process's own environment, looked at again at most once a
 * second. Auto mode asks it for every connection through a proxy (see anyCredentials), and two
 * environment reads (each a call into C++) and a stat were 2 % of a short connection's CPU in a
 * profile (bench/ANALYSIS.md).
 */
export function kerberosLoginAvailable(): boolean {
  const now = performance.now();
  if (lastLook === undefined || now - lastLook.at >= LOGIN_RECHECK_MS) lastLook = { at: now, available: kerberosCredentialsAvailable() };
  return lastLook.available;
}

/** getuid is a system call, and ptunnel never changes its user. */
let uidOnce: { uid: number | undefined } | undefined;
function ownUid(): number | undefined {
  uidOnce ??= { uid: typeof process.getuid === 'function' ? process.getuid() : undefined };
  return uidOnce.uid;
}

/** A GSSAPI message as it may appear in ours: one line, no control characters. */
function shownGss(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
}

function gssError(err: unknown, service: string): PtunnelError {
  const text = shownGss(err);
  const fix = /credentials|ccache|cache|ticket|expired|keytab/i.test(text)
    ? 'run kinit (or log in to the domain), or set KRB5_CLIENT_KTNAME to a client keytab'
    : /server not found|not found in kerberos database/i.test(text)
      ? `the KDC knows no service ${service}: give the proxy by the name its principal has, or --proxy-spn`
      : 'check the Kerberos set-up (krb5.conf, KRB5_CONFIG, kinit)';
  return new PtunnelError('ERR_PROXY_AUTH', `Negotiate (Kerberos, service ${service}) failed: ${text}; ${fix}`, { cause: err });
}

/**
 * SPNEGO through GSSAPI (SSPI on Windows) for one connection. The first token goes with the
 * first CONNECT: a Kerberos AP-REQ needs no challenge. A 407 with a continuation token gets the
 * next one (multi-round mechanisms); a 407 without one, or once the context is complete, is a
 * refusal. `service` is HTTP@host as configured: GSSAPI is not asked to canonicalise it.
 */
export function negotiateScheme(service: string): ProxyAuthScheme {
  let client: KerberosClient | undefined;
  const step = async (token: string) => {
    try {
      const k = kerberos();
      client ??= await k.initializeClient(service, { mechOID: k.GSS_MECH_OID_SPNEGO });
      return `Negotiate ${await client.step(token)}`;
    } catch (err) {
      throw err instanceof PtunnelError ? err : gssError(err, service);
    }
  };
  return {
    name: 'Negotiate',
    connectionBound: true,
    first: () => step(''),
    next: (answer) => {
      const offer = offeredSchemes(answer.headers['proxy-authenticate']).find((o) => o.scheme === 'negotiate');
      if (!offer?.token || !client || client.contextComplete) return undefined;
      return step(offer.token);
    },
  };
}
