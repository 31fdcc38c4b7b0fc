import { loadConfig } from '../../src/config/load';
import { cleanEnv, startCli } from '../support/cli';

/* Unknown PTUNNEL_* variables and NO_PROXY entries that match nothing were ignored without a word. */
describe('what is given but ignored', () => {
  it('names an unknown PTUNNEL_* variable, with the closest known name when there is one', () => {
    const { warnings } = loadConfig({ env: { PTUNNEL_MAX_CONECTIONS: '5', PTUNNEL_FROBNICATE: '1', PTUNNEL_MODE: 'direct', HOME: '/x' } });
    expect(warnings).toEqual([
      'ignoring environment variable "PTUNNEL_FROBNICATE": no setting reads it (see "ptunnel --help")',
      'ignoring environment variable "PTUNNEL_MAX_CONECTIONS": no setting reads it; did you mean PTUNNEL_MAX_CONNECTIONS?',
    ]);
  });

  it.each([
    ['10.0.0.0/99', /the prefix length \/99 is more than 32/],
    ['fd00::/200', /the prefix length \/200 is more than 128/],
    ['*.*', /a \* stands only alone or as a leading "\*\."/],
    ['example.com:http', /"http" is not a port number/],
    ['10.0.0/8', /"10\.0\.0" is not an IP address/],
    ['bad_name!', /illegal character "!"/],
  ])('names the NO_PROXY entry %s and why it matches nothing', (entry, why) => {
    const { warnings } = loadConfig({ env: { NO_PROXY: `good.example, ${entry}, 10.0.0.0/8` } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^ignoring NO_PROXY entry ${JSON.stringify(entry).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
    expect(warnings[0]).toMatch(why);
  });

  it('names the setting the entries came from', () => {
    expect(loadConfig({ env: { no_proxy: '*.*' } }).warnings[0]).toMatch(/^ignoring no_proxy entry "\*\.\*"/);
    expect(loadConfig({ env: {}, flags: { noProxy: '*.*' } }).warnings[0]).toMatch(/^ignoring noProxy \(--no-proxy, PTUNNEL_NO_PROXY\) entry/);
  });

  it('has no warnings for a clean configuration', () => {
    expect(loadConfig({ env: { NO_PROXY: '*', PTUNNEL_MODE: 'auto' } }).warnings).toEqual([]);
  });

  it('logs each warning once at start-up', async () => {
    const env = cleanEnv({ PTUNNEL_MAX_CONECTIONS: '5', NO_PROXY: '10.0.0.0/99' });
    const cli = await startCli(['0:a.example:1'], 1, env);
    try {
      const err = cli.stderr();
      expect(err.split('PTUNNEL_MAX_CONECTIONS').length - 1).toBe(1);
      expect(err).toMatch(/did you mean PTUNNEL_MAX_CONNECTIONS\?/);
      expect(err.split('ignoring NO_PROXY entry "10.0.0.0/99"').length - 1).toBe(1);
    } finally {
      cli.proc.kill('SIGKILL');
      await cli.exited;
    }
  });
});
