import { realpathSync } from 'node:fs';
import { CLI, cleanEnv, runCli } from '../support/cli';

/*
 * Issue 15: "ptunnel service ... --dry-run" on Linux prints the unit it would write and the
 * systemctl commands it would run, and runs nothing (no test ever installs a real service).
 */
describe('ptunnel service --dry-run', () => {
  const env = cleanEnv({ HOME: '/home/tester', XDG_CONFIG_HOME: '' });

  it('install prints a user unit that starts this ptunnel with the arguments after --', () => {
    const r = runCli(['service', 'install', '--dry-run', '--', '--preset', 'gmail', '-p', 'proxy.corp.example:3128'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`ExecStart="${process.execPath}" "${realpathSync(CLI)}" "--preset" "gmail" "-p" "proxy.corp.example:3128"`);
    expect(r.stderr).toContain('/home/tester/.config/systemd/user/ptunnel.service');
    expect(r.stderr).toContain('systemctl --user enable --now ptunnel.service');
  });

  it('install --system prints a hardened system unit', () => {
    const r = runCli(['service', 'install', '--system', '--dry-run', '--', '--preset', 'gmail'], env);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('DynamicUser=yes');
    expect(r.stderr).toContain('/etc/systemd/system/ptunnel.service');
    expect(r.stderr).toMatch(/systemctl enable --now ptunnel\.service/);
  });

  it('uninstall and status name what they would run', () => {
    expect(runCli(['service', 'uninstall', '--dry-run'], env).stderr).toContain('systemctl --user disable --now ptunnel.service');
    expect(runCli(['service', 'status', '--dry-run'], env).stderr).toContain('systemctl --user status ptunnel.service');
  });

  it('rejects arguments ptunnel would reject at login, now', () => {
    const r = runCli(['service', 'install', '--dry-run', '--', '--no-such-flag'], env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^ptunnel: .*--no-such-flag/);
    expect(r.stdout).toBe('');
  });

  it('asks for an action', () => {
    const r = runCli(['service'], env);
    expect(r.stderr).toMatch(/give install, uninstall or status/);
  });
});
