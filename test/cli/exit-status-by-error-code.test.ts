import { exitCodeFor } from '../../src/cli/exit-codes';
import { main } from '../../src/cli/main';
import { PtunnelError, usageError } from '../../src/errors';
import { captureIo } from '../support/cli';

describe('the exit status of an error', () => {
  it.each<[string, unknown, number]>([
    ['a usage error', usageError('ERR_USAGE', 'x'), 2],
    ['a config error', usageError('ERR_CONFIG', 'x'), 2],
    ['a bad mapping', usageError('ERR_TUNNEL_SPEC', 'x'), 2],
    ['a bad proxy spec', usageError('ERR_PROXY_SPEC', 'x'), 2],
    ['a bad host name', usageError('ERR_HOSTNAME', 'x'), 2],
    ['an unknown preset', usageError('ERR_PRESET', 'x'), 2],
    ['an unusable hosts file', usageError('ERR_HOSTS_FILE', 'x'), 2],
    ['a user error of a code the table does not name', usageError('ERR_DNS_NXDOMAIN', 'x'), 2],
    ['a port that cannot be bound', new PtunnelError('ERR_LISTEN', 'x', { userError: true, details: { host: '127.0.0.1', port: 1 } }), 1],
    ['a PtunnelError that is not the user\'s', new PtunnelError('ERR_CONFIG', 'x'), 1],
    ['any other Error', new TypeError('x'), 1],
    ['a thrown string', 'x', 1],
  ])('%s: %j', (_what, err, status) => {
    expect(exitCodeFor(err)).toBe(status);
  });

  it('prints a user error as one line without a stack, and a bug with its stack', async () => {
    const user = captureIo();
    expect(await main(['presets', 'shw'], user.io)).toBe(2);
    expect(user.out.stderr).toBe('ptunnel: presets: unknown action "shw"; use "ptunnel presets" or "ptunnel presets show NAME"\n');
    const bug = captureIo();
    // An io that throws is the simplest bug to provoke.
    const broken = { ...bug.io, stdout: () => { throw new TypeError('stdout is gone'); } };
    expect(await main(['presets'], broken)).toBe(1);
    expect(bug.out.stderr).toMatch(/^ptunnel: unexpected error: TypeError: stdout is gone\n\s+at /);
  });
});
