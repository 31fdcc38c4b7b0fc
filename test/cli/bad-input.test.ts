import { runCli } from '../support/cli';

describe('bad input on the command line', () => {
  it.each([
    [['9993:imap.gmail.com'], /^ptunnel: tunnel "9993:imap.gmail.com" is not a valid mapping; write LOCAL_PORT:HOST:PORT/],
    [['9993:imap gmail.com:993'], /illegal character " "/],
    [["--frobnicate", "1:h:2"], /^ptunnel: unknown option --frobnicate; see "ptunnel --help"\n$/],
    [['--proxy'], /option --proxy needs a value/],
    [['--mode', 'maybe', '1:h:2'], /invalid mode \(--mode, PTUNNEL_MODE\)/],
    [['--connect-timeout', '10', '1:h:2'], /write a number with a unit/],
    [['-p', 'ftp://proxy:21', '1:h:2'], /scheme "ftp:" is not supported/],
    [['statsu'], /unknown command "statsu"/],
    [[], /no tunnels given/],
  ])('%j: one line, exit 2, no stack trace', (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe('');
  });

  it('names the proxy password nowhere in an error', () => {
    const r = runCli(['-p', 'http://bob:hunter2@bad_host!:3128', '1:h:2']);
    expect(r.status).toBe(2);
    expect(r.stderr).not.toContain('hunter2');
  });
});
