import { dispatch } from '../../src/cli/main';

async function show(...argv: string[]): Promise<string> {
  let stdout = '';
  expect(await dispatch(['presets', 'show', ...argv], { stdout: (t) => void (stdout += t), stderr: () => undefined, env: {} })).toBe(0);
  return stdout;
}

describe('ptunnel presets show gmail', () => {
  let out: string;
  beforeAll(async () => {
    out = await show('gmail');
  });

  it('prints the mappings', () => {
    expect(out).toContain('  9993 -> imap.gmail.com:993\n  5587 -> smtp.gmail.com:587\n  4465 -> smtp.gmail.com:465\n');
    expect(out).toContain('Run: ptunnel --preset gmail [-p PROXY_HOST:PORT]');
  });

  it('prints the hosts-file lines, each name once', () => {
    expect(out).toContain('Hosts file (ptunnel hosts --preset gmail --apply writes these):\n  127.0.0.1 imap.gmail.com\n  ::1 imap.gmail.com\n  127.0.0.1 smtp.gmail.com\n  ::1 smtp.gmail.com\n\n');
  });

  it('prints the Thunderbird settings under Thunderbird\'s names, with the local ports', () => {
    expect(out).toContain(
      [
        '  Server Settings (incoming)',
        '    Server Type:           IMAP Mail Server',
        '    Server Name:           imap.gmail.com',
        '    Port:                  9993',
        '    Connection security:   SSL/TLS',
        '    Authentication method: OAuth2',
        '  Outgoing Server (SMTP)',
        '    Server Name:           smtp.gmail.com',
        '    Port:                  5587',
        '    Connection security:   STARTTLS',
      ].join('\n'),
    );
    expect(out).toMatch(/Port: +4465\n +Connection security: +SSL\/TLS/);
  });

  it('prints a Kubernetes hostAliases snippet', () => {
    expect(out).toContain('  hostAliases:\n    - ip: "127.0.0.1"\n      hostnames:\n        - "imap.gmail.com"\n        - "smtp.gmail.com"\n');
  });

  it('prints the docker -p flags on the host loopback', () => {
    expect(out).toContain('  -p 127.0.0.1:9993:9993 -p 127.0.0.1:5587:5587 -p 127.0.0.1:4465:4465\n');
  });

  it('prints the notes (app passwords, OAuth)', () => {
    expect(out).toMatch(/Notes:\n +- Thunderbird signs in with OAuth2/);
    expect(out).toMatch(/app password/);
  });

  it('with --local-ports same shows the remote ports everywhere', async () => {
    const same = await show('gmail', '--local-ports', 'same');
    expect(same).toContain('  993 -> imap.gmail.com:993\n');
    expect(same).toMatch(/Port: +993\n/);
    expect(same).toContain('-p 127.0.0.1:993:993 -p 127.0.0.1:587:587 -p 127.0.0.1:465:465');
    expect(same).toContain('Run: ptunnel --preset gmail --local-ports same');
  });

  it('for an SSH preset prints an ssh config instead of hosts lines', async () => {
    const ssh = await show('github-ssh');
    expect(ssh).toContain('SSH (~/.ssh/config):\n  Host github.com\n    HostName 127.0.0.1\n    Port 18443\n    User git\n    HostKeyAlias github.com\n');
    expect(ssh).not.toContain('Hosts file');
    expect(ssh).not.toContain('hostAliases');
  });

  it('an unknown preset is one line listing the known ones', async () => {
    await expect(show('gmial')).rejects.toThrow(/^unknown preset "gmial"; known presets: fastmail, github-ssh, gitlab-ssh, gmail, /);
  });
});
