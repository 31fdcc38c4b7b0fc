'use strict';
// The authenticating proxies for the NTLM and Negotiate set-up rows. They are the test suite's
// own (test/support/ntlm-squid.ts: squid + Samba ntlm_auth + winbindd; test/support/kdc.ts: MIT
// KDC + squid with negotiate_kerberos_auth): rather than keep a second copy of that set-up in
// JavaScript, which would drift from the one the tests prove, the bench bundles those two files
// with esbuild (a devDependency, already used for the one-file build) into its temp dir and
// requires the result. Nothing TypeScript-specific runs at measurement time.
const fs = require('node:fs');
const path = require('node:path');

const SUPPORT = path.join(__dirname, '..', '..', 'test', 'support');

function loadSupport(tmp) {
  let esbuild;
  try {
    esbuild = require('esbuild');
  } catch {
    return { error: 'esbuild is not installed (npm install), so the test-support proxies cannot be loaded' };
  }
  const entry = path.join(tmp, 'auth-support-entry.ts');
  const out = path.join(tmp, 'auth-support.js');
  fs.writeFileSync(entry, `export * from ${JSON.stringify(path.join(SUPPORT, 'ntlm-squid'))};\nexport * from ${JSON.stringify(path.join(SUPPORT, 'kdc'))};\n`);
  esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', target: 'node20', outfile: out, logLevel: 'error' });
  return { support: require(out) };
}

/**
 * ptunnel's Negotiate needs the optional kerberos module, which npm ci builds only where the
 * Kerberos headers were installed first; without it the row is skipped, as for a missing proxy.
 */
function kerberosModuleMissing() {
  try {
    require(require.resolve('kerberos', { paths: [path.join(__dirname, '..', '..')] }));
    return undefined;
  } catch {
    return 'the optional kerberos module is not built (install libkrb5-dev, then npm rebuild kerberos)';
  }
}

/**
 * Starts the proxies `want` names ('NTLM', 'Negotiate'); returns { NTLM, Negotiate, notes }, each
 * proxy with what a client needs: the URL, the flags for ptunnel, the curl flags and a wrapper
 * for the command (Negotiate's host name resolves only under its private /etc/hosts).
 */
async function startAuthProxies({ tmp, want }) {
  const notes = [];
  const got = { notes };
  if (want.size === 0) return got;
  const { support, error } = loadSupport(tmp);
  if (error) {
    notes.push(`NTLM/Negotiate rows: skipped, ${error}.`);
    return got;
  }
  const password = `bench-${process.pid}`;
  const pwFile = path.join(tmp, 'auth-password');
  fs.writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
  if (want.has('NTLM')) {
    const reason = support.ntlmSquidUnavailable();
    if (reason) notes.push(`NTLM rows: skipped, ${reason}.`);
    else {
      // warm: winbindd's first lookup (a second or so) is paid before the run, not in the samples.
      const s = await support.startNtlmSquid({ user: 'benchuser', password, warm: true });
      const user = `${s.domain}\\${s.user}`;
      got.NTLM = {
        proxy: s,
        url: s.url,
        ptunnelArgs: ['--proxy-auth', 'ntlm', '--user', user, '--proxy-password-file', pwFile],
        curlArgs: ['--proxy-ntlm', '--proxy-user', `${user}:${password}`, '-x', s.url],
        wrap: (cmd, args) => [cmd, args],
        env: process.env,
        setupMs: s.setupMs,
      };
    }
  }
  if (want.has('Negotiate')) {
    const reason = support.negotiateSquidUnavailable() ?? kerberosModuleMissing();
    if (reason) notes.push(`Negotiate rows: skipped, ${reason}.`);
    else {
      const s = await support.startNegotiateSquid({ user: 'benchuser', password });
      const ccache = await s.kinit();
      got.Negotiate = {
        proxy: s,
        url: s.url,
        ptunnelArgs: ['--proxy-auth', 'negotiate'],
        curlArgs: ['--proxy-negotiate', '--proxy-user', ':', '-x', s.url],
        wrap: s.wrap,
        env: { ...process.env, ...s.clientEnv({ KRB5CCNAME: ccache }) },
        setupMs: s.setupMs,
      };
    }
  }
  return got;
}

async function stopAuthProxies(got) {
  for (const k of ['NTLM', 'Negotiate']) if (got?.[k]) await got[k].proxy.stop().catch(() => undefined);
}

module.exports = { startAuthProxies, stopAuthProxies };
