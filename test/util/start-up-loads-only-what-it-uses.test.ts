import { execFileSync } from 'node:child_process';
import { START_UP_BUILTINS } from '../../src/util/heap';
import { probedRun } from '../support/probed-cli';

// Start-up to listening is a target of its own (issue 18). A built-in that is not in Node's
// start-up snapshot costs 1-5 ms to load, a package more, so a plain run loads only what it
// uses: TLS, crypto, the DNS codec and the optional packages wait for their first use
// (src/util/builtins.ts and the lazy requires it names). Measured from outside, by a probe loaded
// with `node -r` that lists what the process holds once it is listening.

interface Loaded {
  builtins: string[];
  packages: string[];
  /** ptunnel's modules by their path under dist/, "tunnel/service". */
  own: string[];
}

/** Code of features a plain tunnel does not use: each is required by its first use. */
const UNUSED_BY_A_PLAIN_TUNNEL = [
  'listeners/http/server',
  'listeners/http/upstream',
  'listeners/socks/server',
  'tunnel/http-proxy',
  'tunnel/socks',
  'tunnel/prewarm',
  'tunnel/reload-plan',
  'proxy/auth/negotiate',
  'proxy/auth/ntlm/index',
  'admin/server',
  'admin/status',
  'config/print',
  'hosts/file',
  'presets/load',
  'cli/help',
];

const loadedAfterStart = (args: string[]) => probedRun<Loaded>({ probe: 'modules-probe.js', outVar: 'PTUNNEL_TEST_MODULES_OUT', args });

describe('start-up', () => {
  it('a direct tunnel to an IP address listens without loading TLS, crypto or the optional packages', async () => {
    const loaded = await loadedAfterStart(['--mode', 'direct', '--dns', '127.0.0.1:1', '0:127.0.0.1:9']);
    // The probe saw the process: the control socket's HTTP and the tunnel's TCP are loaded.
    expect(loaded.builtins).toEqual(expect.arrayContaining(['net', 'http']));
    for (const name of ['tls', 'https', 'crypto', 'zlib']) expect({ name, loaded: loaded.builtins.includes(name) }).toEqual({ name, loaded: false });
    for (const name of ['undici', 'yaml', 'prom-client', 'pac-resolver', 'quickjs-wasi', 'kerberos', 'dns-packet']) expect({ name, loaded: loaded.packages.includes(name) }).toEqual({ name, loaded: false });
  });

  it("a tunnel loads none of ptunnel's code for features it was not asked for", async () => {
    for (const args of [
      ['--mode', 'direct', '--dns', '127.0.0.1:1', '0:127.0.0.1:9'],
      ['--mode', 'proxy', '--proxy', 'http://127.0.0.1:9', '--dns', '127.0.0.1:1', '0:127.0.0.1:9'],
    ]) {
      const { own } = await loadedAfterStart(args);
      // The probe saw ptunnel's modules by these names: the service that runs the tunnel is one.
      expect(own).toEqual(expect.arrayContaining(['tunnel/service', 'tunnel/listeners', 'tunnel/router']));
      expect({ args, loaded: own.filter((m) => UNUSED_BY_A_PLAIN_TUNNEL.includes(m)) }).toEqual({ args, loaded: [] });
    }
  });

  it('a tunnel through a proxy given on the command line loads no more than that', async () => {
    const loaded = await loadedAfterStart(['--mode', 'proxy', '--proxy', 'http://127.0.0.1:9', '--dns', '127.0.0.1:1', '0:127.0.0.1:9']);
    for (const name of ['tls', 'crypto']) expect({ name, loaded: loaded.builtins.includes(name) }).toEqual({ name, loaded: false });
    for (const name of ['undici', 'yaml', 'prom-client', 'dns-packet']) expect({ name, loaded: loaded.packages.includes(name) }).toEqual({ name, loaded: false });
  });

  it("has loaded every Node built-in of its start-up before it set V8's flags (util/heap), so that they compiled from Node's code cache", async () => {
    const bare = new Set(
      (JSON.parse(execFileSync(process.execPath, ['-e', 'process.stdout.write(JSON.stringify(process.moduleLoadList))'], { encoding: 'utf8' })) as string[])
        .filter((m) => m.startsWith('NativeModule '))
        .map((m) => m.slice('NativeModule '.length)),
    );
    for (const args of [
      ['--mode', 'direct', '--dns', '127.0.0.1:1', '0:127.0.0.1:9'],
      ['--mode', 'proxy', '--proxy', 'http://127.0.0.1:9', '--dns', '127.0.0.1:1', '0:127.0.0.1:9'],
    ]) {
      const loaded = await loadedAfterStart(args);
      // Internal modules and http's own (_http_*) come with the public module that needs them.
      const missing = loaded.builtins.filter((n) => !n.startsWith('internal/') && !n.startsWith('_') && !bare.has(n) && !START_UP_BUILTINS.includes(`node:${n}`));
      expect({ args, missing }).toEqual({ args, missing: [] });
    }
  });
});
