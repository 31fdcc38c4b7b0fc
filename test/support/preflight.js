/*
 * jest globalSetup: one look at the machine before any test runs, naming every tool and
 * privilege the suite uses that is missing, with the line that installs it. On a developer's
 * machine it only warns (squid falls back to the embedded proxy; root-only and tool-only tests
 * skip with their reason); under CI=true anything missing fails the run here, at once.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');

const SEARCH = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

function found(name) {
  if (SEARCH.some((d) => existsSync(`${d}/${name}`))) return true;
  try {
    return execFileSync('which', [name], { encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

// Tool, Debian package, what goes without it.
const TOOLS = [
  ['squid', 'squid', 'the proxy tests use the embedded `proxy` package instead (no auth, no access log)'],
  ['dnsmasq', 'dnsmasq', 'the DNS tests against a real server skip'],
  ['openssl', 'openssl', 'the TLS tests (test CA) skip'],
  ['unshare', 'util-linux', 'the hosts-file bypass tests skip'],
  ['setpriv', 'util-linux', 'the privilege-drop tests skip'],
  ['ntlm_auth', 'winbind', 'the NTLM proxy tests skip'],
  ['winbindd', 'winbind', 'the NTLM proxy tests skip'],
  ['smbpasswd', 'samba', 'the NTLM proxy tests skip'],
  ['krb5kdc', 'krb5-kdc', 'the Negotiate (Kerberos) tests skip'],
  ['kinit', 'krb5-user', 'the Negotiate (Kerberos) tests skip'],
  ['systemd-analyze', 'systemd', 'the service unit checks skip'],
  ['python3', 'python3', 'the launchd plist and Windows task checks skip'],
];

module.exports = async function preflight() {
  const missing = TOOLS.filter(([tool]) => !found(tool));
  const root = process.getuid?.() === 0;
  const lines = missing.map(([tool, pkg, without]) => `  ${tool}: missing (${without})`);
  if (!root) lines.push('  root: not root (binding ports below 1024, unshare, switching users, running squid: those tests skip; CI runs as root: bash .ci/run)');
  if (lines.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const install = packages.length > 0 ? `\n  install: sudo apt-get install -y ${packages.join(' ')}` : '';
  const text = `preflight: the test machine lacks:\n${lines.join('\n')}${install}\n`;
  if (process.env.CI === 'true') throw new Error(`${text}CI=true requires all of them`);
  process.stderr.write(`\n${text}\n`);
};
