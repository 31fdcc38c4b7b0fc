import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from '../../../support/cli';
import { PacServer, runCliAsync, startPacServer } from '../../../support/pac-server';
import { requireTool } from '../../../support/tools';

const gsettings = requireTool('gsettings', 'apt-get install -y libglib2.0-bin gsettings-desktop-schemas');

/*
 * --proxy system against real GNOME settings: gsettings with the keyfile backend (no dconf, no
 * D-Bus) in a private XDG_CONFIG_HOME, read by the built CLI.
 */
(gsettings ? describe : describe.skip)('--proxy system on GNOME (gsettings, keyfile backend)', () => {
  let home: string;
  let pac: PacServer;
  let env: NodeJS.ProcessEnv;
  const set = (schema: string, key: string, value: string) => execFileSync('gsettings', ['set', schema, key, value], { env });
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ptunnel-gnome-'));
    env = cleanEnv({ GSETTINGS_BACKEND: 'keyfile', XDG_CONFIG_HOME: home, XDG_CURRENT_DESKTOP: 'GNOME' });
    pac = await startPacServer({ body: 'function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:1; DIRECT"; }' });
  });
  afterAll(async () => {
    await pac?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('manual: the https proxy and the ignore-hosts list', async () => {
    set('org.gnome.system.proxy', 'mode', 'manual');
    set('org.gnome.system.proxy.https', 'host', 'proxy.corp.example');
    set('org.gnome.system.proxy.https', 'port', '8443');
    set('org.gnome.system.proxy', 'ignore-hosts', "['localhost', '.intra.example']");
    const r = await runCliAsync(['proxy-for', 'wiki.intra.example:443', '--proxy', 'system'], env);
    expect(r.stdout).toContain('    1. http://proxy.corp.example:8443');
    expect(r.stdout).toContain('  NO_PROXY   localhost,.intra.example');
    expect(r.stdout).toContain('decision: direct (no_proxy)');
  });

  it('auto: the autoconfig URL is the PAC', async () => {
    set('org.gnome.system.proxy', 'mode', 'auto');
    set('org.gnome.system.proxy', 'autoconfig-url', pac.url);
    const r = await runCliAsync(['proxy-for', 'imap.example.com:993', '--proxy', 'system'], env);
    expect(r.stdout).toContain(`  PAC        ${pac.url}: ready`);
    expect(r.stdout).toContain('  PAC said   PROXY 127.0.0.1:1; DIRECT');
    expect(pac.requests()).toBe(1);
  });

  it('none: the environment', async () => {
    set('org.gnome.system.proxy', 'mode', 'none');
    const r = await runCliAsync(['proxy-for', 'imap.example.com:993', '--proxy', 'system'], { ...env, HTTPS_PROXY: 'http://env-proxy.example:3128' });
    expect(r.stdout).toContain('    1. http://env-proxy.example:3128');
  });
});
