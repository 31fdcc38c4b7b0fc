import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv } from '../support/cli';
import { doctorCli, hostsFile, testHosts, testMail, TestMail } from '../support/doctor';
import { PacServer, startPacServer } from '../support/pac-server';
import { startProxy, TestProxy, unavailableReason } from '../support/squid';
import { requireTool } from '../support/tools';

jest.setTimeout(60_000);

const gsettings = requireTool('gsettings', 'apt-get install -y libglib2.0-bin gsettings-desktop-schemas');
const skip = unavailableReason({ squid: 'apt-get install -y squid' });
const HOSTS = ['127.0.0.1 imap.test.example smtp.test.example'];

/*
 * doctor lists the system's proxy settings as a source of their own: real GNOME settings, read
 * by gsettings with the keyfile backend in a private XDG_CONFIG_HOME, pointing at a real squid.
 */
(gsettings && !skip ? describe : describe.skip)('ptunnel doctor with GNOME proxy settings (gsettings)', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let squid: TestProxy;
  let mail: TestMail;
  let pac: PacServer;
  const set = (schema: string, key: string, value: string) => execFileSync('gsettings', ['set', schema, key, value], { env });
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'ptunnel-doctor-gnome-'));
    env = cleanEnv({ GSETTINGS_BACKEND: 'keyfile', XDG_CONFIG_HOME: home, XDG_CURRENT_DESKTOP: 'GNOME' });
    squid = await startProxy({ hosts: testHosts });
    mail = await testMail();
    pac = await startPacServer({ body: `function FindProxyForURL(url, host) { return "PROXY 127.0.0.1:${squid.port}"; }` });
  });
  afterAll(async () => {
    await pac.close();
    await mail.close();
    await squid.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('manual, without --proxy system: the settings are shown, and that ptunnel does not use them', async () => {
    set('org.gnome.system.proxy', 'mode', 'manual');
    set('org.gnome.system.proxy.https', 'host', '127.0.0.1');
    set('org.gnome.system.proxy.https', 'port', String(squid.port));
    set('org.gnome.system.proxy', 'ignore-hosts', "['localhost', '.intra.example']");
    const r = await doctorCli(['--preset', 'testmail', '--presets-dir', mail.dir, '--hosts-file', hostsFile(HOSTS)], env);
    expect(r.out).toContain(
      `ok   proxy source                  system settings, GNOME (gsettings): proxy 127.0.0.1:${squid.port}; bypass localhost,.intra.example (unused: ptunnel reads them with --proxy system)\n`,
    );
    expect(r.out).toMatch(/ok {3}proxy +none: mode direct, every connection goes direct/);
  });

  it('manual, with --proxy system: used, and CONNECT goes through the squid they name', async () => {
    const r = await doctorCli(['--preset', 'testmail', '--presets-dir', mail.dir, '--proxy', 'system', '--hosts-file', hostsFile(HOSTS)], env);
    expect(r.out).toContain(`system settings, GNOME (gsettings): proxy 127.0.0.1:${squid.port}; bypass localhost,.intra.example (used: --proxy system)\n`);
    expect(r.out).toMatch(new RegExp(`ok {3}proxy +in use: http://127\\.0\\.0\\.1:${squid.port} \\(from the system settings \\(gnome, --proxy system\\)\\), mode auto\n`));
    expect(r.out).toMatch(new RegExp(`ok {3}proxy +http://127\\.0\\.0\\.1:${squid.port}: reachable`));
    expect(r.out).toMatch(new RegExp(`ok {3}IMAP imap\\.test\\.example:${mail.imapPort} +CONNECT: HTTP/1\\.1 200 Connection established`));
    expect(r.code).toBe(0);
  });

  it('auto: the autoconfig URL is shown, fetched, and its answer given per target', async () => {
    set('org.gnome.system.proxy', 'mode', 'auto');
    set('org.gnome.system.proxy', 'autoconfig-url', pac.url);
    const r = await doctorCli(['--preset', 'testmail', '--presets-dir', mail.dir, '--proxy', 'system', '--hosts-file', hostsFile(HOSTS)], env);
    expect(r.out).toContain(`system settings, GNOME (gsettings): PAC ${pac.url}; bypass localhost,.intra.example (used: --proxy system)\n`);
    expect(r.out).toMatch(new RegExp(`ok {3}proxy source +PAC ${pac.url}: loaded\n`));
    expect(r.out).toMatch(new RegExp(`ok {3}proxy source +PAC for smtp\\.test\\.example:${mail.smtpPort}: PROXY 127\\.0\\.0\\.1:${squid.port}\n`));
    expect(r.out).toMatch(new RegExp(`ok {3}SMTP smtp\\.test\\.example:${mail.smtpPort} +CONNECT: HTTP/1\\.1 200 Connection established`));
  });
});
