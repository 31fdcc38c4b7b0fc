import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ntHash, parseNtHash } from '../../../../src/proxy/auth/ntlm/hash';
import { buildAuthenticate, buildNegotiate, parseChallenge } from '../../../../src/proxy/auth/ntlm/messages';

/**
 * The codec against the real thing: Samba's ntlm_auth in the helper protocol squid uses
 * (squid-2.5-ntlmssp), backed by a winbindd on a tdbsam passdb with `ntlm auth = ntlmv2-only`.
 * Our type 1 goes in, Samba's type 2 comes out and goes through our parser, our type 3 goes in,
 * and Samba says AF (authenticated) or NA. winbindd runs in a private mount namespace with its
 * own /run, since its client socket is the compiled-in /run/samba/winbindd and other test
 * servers on the machine may have one too. Skipped where Samba, unshare or root are missing.
 */
const USER = 'nobody'; // smbpasswd -a wants an existing Unix account
const PASSWORD = 'Xc-pw.42';

function available(): boolean {
  if (process.getuid?.() !== 0) return false;
  return ['ntlm_auth', 'winbindd', 'smbpasswd', 'unshare'].every(
    (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0,
  );
}

const describeWithSamba = available() ? describe : describe.skip;

describeWithSamba('Samba ntlm_auth (ntlmv2-only) verifies the AUTHENTICATE messages', () => {
  let dir: string;
  let helper: ChildProcessWithoutNullStreams;
  let pending = '';
  const waiting: Array<(line: string) => void> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-ntlm-codec-'));
    const conf = join(dir, 'smb.conf');
    const sub = (name: string): string => join(dir, name);
    writeFileSync(
      conf,
      [
        '[global]',
        '  netbios name = CODECTEST',
        '  workgroup = CODECWG',
        '  server role = standalone server',
        `  passdb backend = tdbsam:${sub('private')}/passdb.tdb`,
        ...['private', 'state', 'cache', 'lock', 'pid', 'ncalrpc'].map(
          (d) => `  ${d === 'ncalrpc' ? 'ncalrpc dir' : `${d} directory`} = ${sub(d)}`,
        ),
        `  log file = ${sub('log')}/log.%m`,
        '  ntlm auth = ntlmv2-only',
        '',
      ]
        .join('\n')
        .replace('private directory', 'private dir'),
    );
    const script = join(dir, 'run.sh');
    writeFileSync(
      script,
      `set -e
mount --make-rprivate /
mount -t tmpfs tmpfs /run
mkdir -p /run/samba ${['private', 'state', 'cache', 'lock', 'pid', 'ncalrpc', 'log'].map(sub).join(' ')}
printf '%s\\n%s\\n' '${PASSWORD}' '${PASSWORD}' | smbpasswd -c ${conf} -s -a ${USER} >/dev/null
winbindd -s ${conf} -D --no-process-group
for i in $(seq 50); do [ -S /run/samba/winbindd/pipe ] && break; sleep 0.1; done
ntlm_auth --configfile=${conf} --helper-protocol=squid-2.5-ntlmssp || true
`,
    );
    // A PID namespace too: when the script (its init) exits, the kernel ends winbindd and the
    // RPC helpers it spawned, so nothing outlives the test.
    helper = spawn('unshare', ['-m', '-p', '-f', 'bash', script]);
    helper.stdout.setEncoding('utf8');
    helper.stdout.on('data', (d: string) => {
      pending += d;
      let i: number;
      while ((i = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 1);
        waiting.shift()?.(line);
      }
    });
  });

  afterAll(async () => {
    helper.stdin.end();
    await new Promise((resolve) => helper.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  function ask(line: string): Promise<string> {
    return new Promise((resolve) => {
      waiting.push(resolve);
      helper.stdin.write(`${line}\n`);
    });
  }

  async function login(user: string, domain: string, hash: Buffer): Promise<string> {
    const tt = await ask(`YR ${buildNegotiate().toString('base64')}`);
    expect(tt).toMatch(/^TT /);
    const challenge = parseChallenge(tt.slice(3));
    expect(challenge.timestamp).toBeDefined(); // Samba sends MsvAvTimestamp: the zero-LMv2 path
    const t3 = buildAuthenticate({ challenge, user, domain, workstation: 'WS1', ntHash: hash });
    return ask(`KK ${t3.toString('base64')}`);
  }

  it('accepts the right password', async () => {
    expect(await login(USER, 'CODECTEST', ntHash(PASSWORD))).toBe(`AF CODECTEST\\${USER}`);
  });

  it('accepts the NT hash given as a --proxy-nt-hash-file value', async () => {
    const file = `${ntHash(PASSWORD).toString('hex').toUpperCase()}\n`;
    expect(await login(USER, 'CODECTEST', parseNtHash(file))).toBe(`AF CODECTEST\\${USER}`);
  });

  it('accepts the user name in any case (NTOWFv2 upper-cases it)', async () => {
    expect(await login(USER.toUpperCase(), 'CODECTEST', ntHash(PASSWORD))).toMatch(/^AF /);
  });

  it('refuses a wrong password and an unknown user', async () => {
    expect(await login(USER, 'CODECTEST', ntHash('wrong'))).toMatch(/^NA NT_STATUS_LOGON_FAILURE/);
    expect(await login('nosuchuser', 'CODECTEST', ntHash(PASSWORD))).toMatch(/^NA /);
  });
});
