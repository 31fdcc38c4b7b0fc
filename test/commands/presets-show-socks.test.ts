import { runCli } from '../support/cli';

describe('ptunnel presets show NAME --socks (the built CLI)', () => {
  it('prints the Thunderbird SOCKS set-up with the real server names and ports, no hosts file', () => {
    const r = runCli(['presets', 'show', 'gmail', '--socks']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Run: ptunnel --socks 1080 [-p PROXY_HOST:PORT]');
    expect(r.stdout).toContain(
      [
        'Thunderbird proxy (Settings > Network & Disk Space > Connection Settings):',
        '  Manual proxy configuration',
        '    SOCKS Host:            127.0.0.1',
        '    Port:                  1080',
        '    SOCKS v5:              selected',
        '    Proxy DNS when using SOCKS v5: on',
      ].join('\n'),
    );
    expect(r.stdout).toMatch(/Server Name: +imap\.gmail\.com\n +Port: +993\n +Connection security: +SSL\/TLS/);
    expect(r.stdout).toMatch(/Server Name: +smtp\.gmail\.com\n +Port: +465\n/);
    expect(r.stdout).toMatch(/Server Name: +smtp\.gmail\.com\n +Port: +587\n/);
    // No tunnels, no local ports, no hosts file in this way.
    expect(r.stdout).not.toMatch(/Hosts file|9993|hostAliases|--preset gmail/);
  });

  it('also comes before the name, and --address sets the SOCKS host', () => {
    const r = runCli(['presets', '--socks', 'show', 'github-ssh', '--address', '::1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Run: ptunnel --socks [::1]:1080');
    expect(r.stdout).toContain('    HostName ssh.github.com\n    Port 443\n    User git\n    ProxyCommand nc -X 5 -x [::1]:1080 %h %p');
  });

  it('takes no value: a port after it is told, in one line', () => {
    const r = runCli(['presets', 'show', 'gmail', '--socks', '1080']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^ptunnel: presets show: unexpected argument "1080"; here --socks takes no value.*\n$/);
  });

  it('without --socks the tunnel way is unchanged', () => {
    const r = runCli(['presets', 'show', 'gmail']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Hosts file (ptunnel hosts --preset gmail --apply writes these):');
    expect(r.stdout).not.toContain('SOCKS');
  });
});
