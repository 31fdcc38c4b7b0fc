import { envProxy } from '../../../../src/proxy/discovery/system/env';
import { gnomeProxy } from '../../../../src/proxy/discovery/system/gnome';
import { readSystemProxy } from '../../../../src/proxy/discovery/system';
import { kdeProxyFromKioslaverc } from '../../../../src/proxy/discovery/system/kde';
import { macosProxy } from '../../../../src/proxy/discovery/system/macos';
import { windowsProxy } from '../../../../src/proxy/discovery/system/windows';

/** What `gsettings get SCHEMA KEY` printed on a GNOME desktop. */
const gnome = (recorded: Record<string, string>) => (schema: string, key: string) => recorded[`${schema} ${key}`] ?? "''";

describe('--proxy system readers, fed recorded outputs', () => {
  it('GNOME manual: the https child, else http; ignore-hosts', () => {
    const manual = {
      'org.gnome.system.proxy mode': "'manual'",
      'org.gnome.system.proxy ignore-hosts': "['localhost', '127.0.0.0/8', '::1', '*.corp.example']",
      'org.gnome.system.proxy.https host': "'proxy.corp.example'",
      'org.gnome.system.proxy.https port': '8443',
      'org.gnome.system.proxy.http host': "'http-only.corp.example'",
      'org.gnome.system.proxy.http port': '3128',
    };
    expect(gnomeProxy(gnome(manual))).toEqual({ from: 'gnome', proxies: ['proxy.corp.example:8443'], noProxy: ['localhost', '127.0.0.0/8', '::1', '*.corp.example'] });
    const httpOnly = { ...manual, 'org.gnome.system.proxy.https host': "''", 'org.gnome.system.proxy.https port': '0' };
    expect(gnomeProxy(gnome(httpOnly)).proxies).toEqual(['http-only.corp.example:3128']);
  });

  it('GNOME auto: the autoconfig URL, or WPAD when it is empty; none: nothing', () => {
    expect(gnomeProxy(gnome({ 'org.gnome.system.proxy mode': "'auto'", 'org.gnome.system.proxy autoconfig-url': "'http://pac.corp.example/proxy.pac'", 'org.gnome.system.proxy ignore-hosts': '@as []' }))).toEqual({
      from: 'gnome',
      proxies: [],
      pac: 'http://pac.corp.example/proxy.pac',
      noProxy: [],
    });
    expect(gnomeProxy(gnome({ 'org.gnome.system.proxy mode': "'auto'" })).pac).toBe('wpad');
    expect(gnomeProxy(gnome({ 'org.gnome.system.proxy mode': "'none'" }))).toEqual({ from: 'gnome', proxies: [], noProxy: [] });
  });

  it('KDE kioslaverc: manual in both notations, PAC script, WPAD, environment', () => {
    const rc = (lines: string) => `[General]\nfoo=bar\n\n[Proxy Settings]\n${lines}\n`;
    expect(kdeProxyFromKioslaverc(rc('ProxyType=1\nhttpsProxy=http://proxy.corp.example 8080\nhttpProxy=http://other 1\nNoProxyFor=localhost,.corp.example'), {})).toEqual({
      from: 'kde',
      proxies: ['proxy.corp.example:8080'],
      noProxy: ['localhost', '.corp.example'],
    });
    expect(kdeProxyFromKioslaverc(rc('ProxyType=1\nhttpProxy=http://proxy.corp.example:3128'), {})?.proxies).toEqual(['http://proxy.corp.example:3128']);
    expect(kdeProxyFromKioslaverc(rc('ProxyType=2\nProxy Config Script=http://pac.corp.example/p.pac'), {})?.pac).toBe('http://pac.corp.example/p.pac');
    expect(kdeProxyFromKioslaverc(rc('ProxyType=3'), {})?.pac).toBe('wpad');
    expect(kdeProxyFromKioslaverc(rc('ProxyType=4\nhttpsProxy=MY_PROXY'), { MY_PROXY: 'http://env.corp.example:3128' })?.proxies).toEqual(['http://env.corp.example:3128']);
  });

  it('Windows reg query: AutoConfigURL, ProxyServer in both forms, ProxyOverride', () => {
    const reg = (lines: string) => `\r\nHKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Internet Settings\r\n    CertificateRevocation    REG_DWORD    0x1\r\n${lines}\r\n`;
    expect(windowsProxy(reg('    ProxyEnable    REG_DWORD    0x1\r\n    ProxyServer    REG_SZ    proxy.corp.example:8080\r\n    ProxyOverride    REG_SZ    *.corp.example;10.*;<local>'))).toEqual({
      from: 'windows',
      proxies: ['proxy.corp.example:8080'],
      noProxy: ['.corp.example', '10.*'],
    });
    expect(windowsProxy(reg('    ProxyEnable    REG_DWORD    0x1\r\n    ProxyServer    REG_SZ    http=h.corp:80;https=s.corp:8443;ftp=f:21')).proxies).toEqual(['s.corp:8443']);
    expect(windowsProxy(reg('    ProxyEnable    REG_DWORD    0x0\r\n    ProxyServer    REG_SZ    proxy.corp.example:8080')).proxies).toEqual([]);
    expect(windowsProxy(reg('    ProxyEnable    REG_DWORD    0x0\r\n    AutoConfigURL    REG_SZ    http://wpad.corp.example/wpad.dat')).pac).toBe('http://wpad.corp.example/wpad.dat');
  });

  it('macOS scutil --proxy: PAC, auto-discovery, HTTPS, exceptions', () => {
    const out = (lines: string) => `<dictionary> {\n  ExceptionsList : <array> {\n    0 : *.local\n    1 : 169.254/16\n  }\n  FTPPassive : 1\n${lines}\n}\n`;
    expect(macosProxy(out('  HTTPEnable : 1\n  HTTPPort : 3128\n  HTTPProxy : http.corp.example\n  HTTPSEnable : 1\n  HTTPSPort : 8443\n  HTTPSProxy : proxy.corp.example'))).toEqual({
      from: 'macos',
      proxies: ['proxy.corp.example:8443'],
      noProxy: ['.local', '169.254/16'],
    });
    expect(macosProxy(out('  ProxyAutoConfigEnable : 1\n  ProxyAutoConfigURLString : http://pac.corp.example/proxy.pac')).pac).toBe('http://pac.corp.example/proxy.pac');
    expect(macosProxy(out('  ProxyAutoDiscoveryEnable : 1')).pac).toBe('wpad');
    expect(macosProxy(out('  HTTPEnable : 0')).proxies).toEqual([]);
  });

  it('the environment, and the platform choosing its reader, the environment when the desktop says nothing', () => {
    expect(envProxy({ HTTPS_PROXY: 'a:1, b:2', no_proxy: 'localhost,.corp' })).toEqual({ from: 'env', proxies: ['a:1', 'b:2'], noProxy: ['localhost', '.corp'] });
    const failing = () => {
      throw new Error('ENOENT');
    };
    expect(readSystemProxy({ https_proxy: 'http://e:1' }, 'linux', failing)).toEqual({ from: 'env', proxies: ['http://e:1'], noProxy: [] });
    expect(readSystemProxy({}, 'darwin', () => '<dictionary> {\n  HTTPSEnable : 1\n  HTTPSPort : 1\n  HTTPSProxy : m\n}').proxies).toEqual(['m:1']);
    expect(readSystemProxy({}, 'win32', () => '    ProxyEnable    REG_DWORD    0x1\n    ProxyServer    REG_SZ    w:2\n').from).toBe('windows');
  });
});
