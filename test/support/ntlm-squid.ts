import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './ports';
import { removeSquidSegments, squidAccessLog, squidDir, squidServiceName, supervise, unavailableReason, writeSquidConf } from './squid';
import { findTool } from './tools';

export interface NtlmSquidOptions {
  user: string;
  password: string;
  /** The NetBIOS name of the standalone Samba, which is the domain of its local SAM. */
  domain?: string;
  /**
   * The first authentication takes about a second more than later ones: winbindd starts its
   * domain child and samba-dcerpcd on demand. `warm` pays that during start-up instead (a user
   * lookup, 1.4-1.8 s on a loaded 2-core box) for tests that time the first connection.
   */
  warm?: boolean;
  /** A port of the caller's (say, the one another proxy just left); else a free one. */
  port?: number;
}

export interface NtlmSquid {
  host: string;
  port: number;
  url: string;
  /** The NetBIOS name: clients log in as `${domain}\${user}`. */
  domain: string;
  user: string;
  password: string;
  /** Milliseconds from spawning to squid listening (Samba set-up included). */
  setupMs: number;
  /** squid's access log: the user name of each authenticated CONNECT is in it. */
  accessLog(): string;
  stop(): Promise<void>;
}

const TOOLS = {
  squid: 'apt-get install -y squid',
  smbpasswd: 'apt-get install -y samba',
  winbindd: 'apt-get install -y winbind',
  wbinfo: 'apt-get install -y winbind',
  ntlm_auth: 'apt-get install -y winbind',
  unshare: 'apt-get install -y util-linux',
};

/** Why startNtlmSquid cannot run here (a skip reason), or undefined; throws under CI=true. */
export function ntlmSquidUnavailable(): string | undefined {
  return unavailableReason(TOOLS);
}

/**
 * squid that authenticates NTLM for real: Samba's ntlm_auth asks winbindd, which checks the
 * NTLMv2 response against a standalone Samba's tdbsam in a temp dir (`ntlm auth = ntlmv2-only`).
 *
 * winbind clients find winbindd through the compiled-in socket dir /run/samba/winbindd, so a
 * second winbindd on the machine would take the first one's socket. Each instance therefore runs
 * in its own mount and PID namespace (`unshare -m -p`), with private copies bind-mounted over
 * /run/samba, /etc/passwd (the SAM user needs a Unix account) and /etc/group (squid's helper runs
 * as `proxy`, which must be in the group that may open winbindd's privileged pipe). Instances are
 * independent, nothing on the machine changes, and killing the namespace's first process takes
 * winbindd, samba-dcerpcd and the helpers with it. Needs root.
 */
export async function startNtlmSquid(options: NtlmSquidOptions): Promise<NtlmSquid> {
  const { user, password } = options;
  const domain = (options.domain ?? 'PTUNNELTEST').toUpperCase();
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) throw new Error(`startNtlmSquid: user "${user}" is not a valid Unix user name`);
  if (!/^[A-Z][A-Z0-9-]{0,14}$/.test(domain)) throw new Error(`startNtlmSquid: domain "${domain}" is not a NetBIOS name (15 characters at most)`);
  const reason = ntlmSquidUnavailable();
  if (reason) throw new Error(`startNtlmSquid: ${reason}`);
  const tool = (name: keyof typeof TOOLS) => findTool(name) as string;

  const dir = squidDir('ptunnel-ntlm-');
  const port = options.port ?? (await freePort());
  for (const sub of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'run-samba']) mkdirSync(join(dir, sub), { mode: 0o755 });
  // ntlm_auth runs as proxy and logs where winbindd does.
  mkdirSync(join(dir, 'log'), { mode: 0o777 });
  chmodSync(join(dir, 'log'), 0o777);

  const passwd = readFileSync('/etc/passwd', 'utf8');
  let group = readFileSync('/etc/group', 'utf8');
  const uid = freeId(passwd);
  const gid = freeId(group);
  let privGid = groupId(group, 'winbindd_priv');
  if (privGid === undefined) {
    privGid = freeId(group, gid + 1);
    group = `${group.trimEnd()}\nwinbindd_priv:x:${privGid}:\n`;
  }
  group = group.replace(/^(winbindd_priv:[^:]*:\d+:)(.*)$/m, (_all, head: string, members: string) => `${head}${members ? `${members},` : ''}proxy`);
  writeFileSync(join(dir, 'passwd'), `${passwd.trimEnd()}\n${user}:x:${uid}:${gid}::/nonexistent:/usr/sbin/nologin\n`);
  writeFileSync(join(dir, 'group'), `${group.trimEnd()}\n${user}:x:${gid}:\n`);
  // winbindd insists on 0750 and root as owner; the group is what lets the helper in.
  const privileged = join(dir, 'state', 'winbindd_privileged');
  mkdirSync(privileged, { mode: 0o750 });
  chownSync(privileged, 0, privGid);
  chmodSync(privileged, 0o750);

  const smbConf = join(dir, 'smb.conf');
  writeFileSync(
    smbConf,
    [
      '[global]',
      `netbios name = ${domain}`,
      'workgroup = PTUNNELWG',
      'server role = standalone server',
      'security = user',
      `passdb backend = tdbsam:${dir}/private/passdb.tdb`,
      `private dir = ${dir}/private`,
      `lock directory = ${dir}/lock`,
      `state directory = ${dir}/state`,
      `cache directory = ${dir}/cache`,
      `pid directory = ${dir}/pid`,
      `ncalrpc dir = ${dir}/ncalrpc`,
      `log file = ${dir}/log/%m.log`,
      'ntlm auth = ntlmv2-only',
      'disable netbios = yes',
      'load printers = no',
      '',
    ].join('\n'),
  );
  const squidConf = writeSquidConf(dir, port, [
    `auth_param ntlm program ${tool('ntlm_auth')} --configfile=${smbConf} --helper-protocol=squid-2.5-ntlmssp`,
    // Enough helpers for the 50-at-once tests on a loaded machine: with 5, squid's helper queue
    // overflowed and it refused a few handshakes outright.
    'auth_param ntlm children 20 startup=20 idle=10',
    'acl auth proxy_auth REQUIRED',
    'http_access allow auth',
  ]);
  const service = squidServiceName();
  const script = [
    'set -e',
    `mount --bind ${dir}/passwd /etc/passwd`,
    `mount --bind ${dir}/group /etc/group`,
    '[ -d /run/samba ] || mkdir -p /run/samba',
    `mount --bind ${dir}/run-samba /run/samba`,
    `printf '%s\\n%s\\n' "$PT_PASSWORD" "$PT_PASSWORD" | ${tool('smbpasswd')} -c ${smbConf} -s -a "$PT_USER" >/dev/null`,
    'unset PT_PASSWORD',
    `${tool('winbindd')} -s ${smbConf} -F --no-process-group </dev/null &`,
    'i=0',
    `until ${tool('wbinfo')} -p >/dev/null 2>&1; do i=$((i+1)); [ $i -lt 200 ] || { echo "winbindd did not answer" >&2; exit 1; }; sleep 0.05; done`,
    // Not exec: squid drops to proxy, which clears the parent-death signal unshare --kill-child
    // relies on; the shell stays the namespace's first process, and its death ends them all.
    ...(options.warm ? [`${tool('wbinfo')} -n "$PT_USER" >/dev/null`] : []),
    `${tool('squid')} -n ${service} -N -f ${squidConf} </dev/null &`,
    'wait $!',
  ].join('\n');
  writeFileSync(join(dir, 'run.sh'), `${script}\n`);

  const started = Date.now();
  const { start, stop } = supervise(tool('unshare'), ['--mount', '--pid', '--fork', '--kill-child', '--mount-proc', 'sh', join(dir, 'run.sh')], port, 30_000, {
    env: { PT_USER: user, PT_PASSWORD: password },
  });
  const cleanup = async () => {
    await stop();
    removeSquidSegments(service);
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    await start();
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    host: '127.0.0.1',
    port,
    url: `http://127.0.0.1:${port}`,
    domain,
    user,
    password,
    setupMs: Date.now() - started,
    accessLog: squidAccessLog(dir),
    stop: cleanup,
  };
}

function ids(file: string): Set<number> {
  return new Set(file.split('\n').map((line) => Number(line.split(':')[2])));
}

function freeId(file: string, from = 60_000): number {
  const used = ids(file);
  let id = from;
  while (used.has(id)) id += 1;
  return id;
}

function groupId(file: string, name: string): number | undefined {
  const line = file.split('\n').find((l) => l.startsWith(`${name}:`));
  return line ? Number(line.split(':')[2]) : undefined;
}
