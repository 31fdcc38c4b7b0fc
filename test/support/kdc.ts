import { execFile } from 'node:child_process';
import { chmodSync, chownSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import dgram from 'node:dgram';
import { join } from 'node:path';
import { freePort } from './ports';
import { proxyUid, removeSquidSegments, squidAccessLog, squidDir, squidServiceName, supervise, unavailableReason, writeSquidConf } from './squid';
import { findTool } from './tools';

const KDC_TOOLS = {
  krb5kdc: 'apt-get install -y krb5-kdc',
  kdb5_util: 'apt-get install -y krb5-kdc',
  'kadmin.local': 'apt-get install -y krb5-admin-server',
  kinit: 'apt-get install -y krb5-user',
};
const NEGOTIATE_TOOLS = {
  ...KDC_TOOLS,
  squid: 'apt-get install -y squid',
  unshare: 'apt-get install -y util-linux',
};
const NEGOTIATE_HELPER = '/usr/lib/squid/negotiate_kerberos_auth';

/** Why startKdc cannot run here (a skip reason), or undefined; throws under CI=true. */
export function kdcUnavailable(): string | undefined {
  return unavailableReason(KDC_TOOLS);
}

/** Why startNegotiateSquid cannot run here (a skip reason), or undefined; throws under CI=true. */
export function negotiateSquidUnavailable(): string | undefined {
  return unavailableReason(NEGOTIATE_TOOLS);
}

export interface Kdc {
  realm: string;
  /** The KDC's TCP port on 127.0.0.1 (clients are told to use TCP only). */
  port: number;
  dir: string;
  /**
   * krb5.conf for clients and servers alike: this realm's KDC, and no DNS anywhere (rdns = false,
   * dns_canonicalize_hostname = false), so the service name stays the host name as given.
   */
  krb5Conf: string;
  setupMs: number;
  /** Adds `name` (without the realm) with a password, or with a random key when none is given. */
  addPrincipal(name: string, password?: string): Promise<void>;
  /** Writes the principal's current keys to a keytab (its keys stay valid: -norandkey). */
  keytab(name: string, path?: string): Promise<string>;
  /** Gives the principal new random keys: tickets issued before no longer match its keytab. */
  rotateKeys(name: string): Promise<void>;
  /** Fills a new file ticket cache with `kinit`; returns it as a KRB5CCNAME value (FILE:...). */
  kinit(name: string, password: string): Promise<string>;
  /** KRB5_CONFIG plus `extra`, for a Kerberos client. */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

/**
 * An MIT KDC for `realm`, with database, stash, kdc.conf and krb5.conf in a temp dir, on free
 * loopback ports. Instances are independent: nothing is read from or written to /etc/krb5*.
 */
export async function startKdc(options: { realm?: string } = {}): Promise<Kdc> {
  const realm = options.realm ?? 'PTUNNEL.TEST';
  const reason = kdcUnavailable();
  if (reason) throw new Error(`startKdc: ${reason}`);
  const started = Date.now();
  const dir = squidDir('ptunnel-kdc-');
  chmodSync(dir, 0o755);
  const port = await freePort();
  // UDP cannot be switched off, only moved: a free port of its own, which clients never use.
  const udpPort = await freeUdpPort();
  const kdcConf = join(dir, 'kdc.conf');
  const krb5Conf = join(dir, 'krb5.conf');
  writeFileSync(
    kdcConf,
    [
      '[realms]',
      ` ${realm} = {`,
      `  database_name = ${dir}/principal`,
      `  key_stash_file = ${dir}/stash`,
      `  acl_file = ${dir}/kadm5.acl`,
      `  kdc_listen = 127.0.0.1:${udpPort}`,
      `  kdc_tcp_listen = 127.0.0.1:${port}`,
      ' }',
      '[logging]',
      ` kdc = FILE:${dir}/kdc.log`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    krb5Conf,
    [
      '[libdefaults]',
      ` default_realm = ${realm}`,
      ' rdns = false',
      ' dns_canonicalize_hostname = false',
      ' dns_lookup_kdc = false',
      ' dns_lookup_realm = false',
      ' udp_preference_limit = 1',
      '[realms]',
      ` ${realm} = {`,
      `  kdc = 127.0.0.1:${port}`,
      ' }',
      '',
    ].join('\n'),
  );
  chmodSync(krb5Conf, 0o644);
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ KRB5_CONFIG: krb5Conf, ...extra });
  const adminEnv = env({ KRB5_KDC_PROFILE: kdcConf });
  const tool = (name: keyof typeof KDC_TOOLS) => findTool(name) as string;
  const kadmin = (query: string) => run(tool('kadmin.local'), ['-r', realm, '-q', query], adminEnv);

  await run(tool('kdb5_util'), ['create', '-s', '-r', realm, '-P', `master-${process.pid}-${Date.now()}`], adminEnv);
  const { start, stop } = supervise(tool('krb5kdc'), ['-n', '-r', realm, '-P', join(dir, 'krb5kdc.pid')], port, 15_000, { env: adminEnv });
  try {
    await start();
  } catch (err) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let caches = 0;
  return {
    realm,
    port,
    dir,
    krb5Conf,
    setupMs: Date.now() - started,
    addPrincipal: async (name, password) => {
      // The query is one line parsed by kadmin: a quote or newline would break out of it.
      if (password !== undefined && /["\n\r]/.test(password)) throw new Error('addPrincipal: the password may not contain " or a newline');
      await kadmin(password === undefined ? `addprinc -randkey ${name}` : `addprinc -pw "${password}" ${name}`);
    },
    keytab: async (name, path = join(dir, `${name.replace(/[^A-Za-z0-9.-]/g, '_')}.keytab`)) => {
      await kadmin(`ktadd -k ${path} -norandkey ${name}`);
      return path;
    },
    rotateKeys: async (name) => {
      await kadmin(`cpw -randkey ${name}`);
    },
    kinit: async (name, password) => {
      caches += 1;
      const cache = `FILE:${dir}/ccache-${caches}`;
      await run(tool('kinit'), [name], env({ KRB5CCNAME: cache }), `${password}\n`);
      return cache;
    },
    env,
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NegotiateSquidOptions {
  user: string;
  password: string;
  realm?: string;
  /** The proxy's host name, which the service principal HTTP/<host> is made of. */
  hostName?: string;
}

export interface NegotiateSquid {
  /** The proxy's host name: clients must reach it by this name (see `hostsFile`). */
  host: string;
  port: number;
  /** http://<host>:<port>; the name resolves only under `wrap` (or anything using `hostsFile`). */
  url: string;
  realm: string;
  /** The service principal squid accepts tickets for, HTTP/<host>@<realm>. */
  spn: string;
  user: string;
  password: string;
  /** user@REALM. */
  principal: string;
  kdc: Kdc;
  /** A copy of /etc/hosts that also maps `host` to 127.0.0.1. */
  hostsFile: string;
  /**
   * Runs a client command where `host` resolves: under `unshare -m` with `hostsFile` bind-mounted
   * on /etc/hosts, so the machine's own /etc/hosts is never touched. Returns [command, args].
   */
  wrap(command: string, args: string[]): [string, string[]];
  /** A ticket cache (KRB5CCNAME value) for the user, from kinit with the password. */
  kinit(): Promise<string>;
  /** A client keytab for the user (a KRB5_CLIENT_KTNAME value). */
  clientKeytab(): Promise<string>;
  /** KRB5_CONFIG (the KDC's krb5.conf) plus `extra`, for a client. */
  clientEnv(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  setupMs: number;
  accessLog(): string;
  stop(): Promise<void>;
}

/**
 * squid that authenticates Negotiate for real: negotiate_kerberos_auth checks each ticket
 * against a keytab of HTTP/<host>, whose key comes from a KDC started for it (startKdc). squid
 * needs no name resolution of its own (the helper only checks the ticket's service principal);
 * the client does, which `wrap` provides. Needs root (squid drops to proxy; unshare -m).
 */
export async function startNegotiateSquid(options: NegotiateSquidOptions): Promise<NegotiateSquid> {
  const reason = negotiateSquidUnavailable();
  if (reason) throw new Error(`startNegotiateSquid: ${reason}`);
  if (!/^[A-Za-z0-9._-]+$/.test(options.user)) throw new Error(`startNegotiateSquid: user "${options.user}" is not a plain principal name`);
  const started = Date.now();
  const host = options.hostName ?? 'proxy.test.example';
  const kdc = await startKdc({ realm: options.realm });
  const service = `HTTP/${host}`;
  const spn = `${service}@${kdc.realm}`;
  const dir = squidDir('ptunnel-negotiate-');
  try {
    await kdc.addPrincipal(options.user, options.password);
    await kdc.addPrincipal(service);
    const keytab = await kdc.keytab(service, join(dir, 'http.keytab'));
    chownSync(keytab, proxyUid(), 0);
    chmodSync(keytab, 0o600);
  } catch (err) {
    await kdc.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const hostsFile = join(dir, 'client-hosts');
  writeFileSync(hostsFile, `${readFileSync('/etc/hosts', 'utf8').trimEnd()}\n127.0.0.1 ${host}\n`);
  chmodSync(hostsFile, 0o644);
  const port = await freePort();
  const squidConf = writeSquidConf(dir, port, [
    `auth_param negotiate program ${NEGOTIATE_HELPER} -s ${spn}`,
    'auth_param negotiate children 20 startup=2 idle=2',
    'acl auth proxy_auth REQUIRED',
    'http_access allow auth',
  ]);
  const squid = findTool('squid') as string;
  const unshare = findTool('unshare') as string;
  const squidService = squidServiceName();
  const { start, stop } = supervise(squid, ['-n', squidService, '-N', '-f', squidConf], port, 15_000, {
    env: { KRB5_CONFIG: kdc.krb5Conf, KRB5_KTNAME: `FILE:${join(dir, 'http.keytab')}` },
  });
  const cleanup = async () => {
    await stop();
    removeSquidSegments(squidService);
    await kdc.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await start();
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    host,
    port,
    url: `http://${host}:${port}`,
    realm: kdc.realm,
    spn,
    user: options.user,
    password: options.password,
    principal: `${options.user}@${kdc.realm}`,
    kdc,
    hostsFile,
    wrap: (command, args) => [unshare, ['-m', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec "$@"', hostsFile, command, ...args]],
    kinit: () => kdc.kinit(options.user, options.password),
    clientKeytab: () => kdc.keytab(options.user),
    clientEnv: (extra) => kdc.env(extra),
    setupMs: Date.now() - started,
    accessLog: squidAccessLog(dir),
    stop: cleanup,
  };
}

/** Runs a command to completion; its output goes into the error when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} ${args[0] ?? ''} failed: ${(stderr || stdout).trim()}`));
      else resolve(stdout);
    });
    // A command that reads no input may exit before we have written it (EPIPE); its exit code
    // and output say how it went.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
