import { spawn } from 'node:child_process';
import { freePort, waitForPort } from './ports';
import { requireTool } from './tools';

export interface Dnsmasq {
  port: number;
  /** As a --dns entry. */
  spec: string;
  /** dnsmasq's own log (queries included), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface DnsmasqOptions {
  /** name -> addresses (IPv4 and IPv6 mixed). */
  hosts?: Record<string, string[]>;
  /** alias -> target; the target must be a name dnsmasq knows (a host or another alias). */
  cnames?: Record<string, string>;
  /** Domains answered NXDOMAIN for any name below them. */
  nxDomains?: string[];
  /** A hosts file to answer from, as systemd-resolved's stub answers from /etc/hosts. */
  hostsFile?: string;
  /** TTL dnsmasq gives its local records (it defaults to 0). */
  ttl?: number;
}

/**
 * Debian's dnsmasq on a free loopback port, serving only what the test gives it: no upstream,
 * no hosts file, no system config. Under CI=true a missing dnsmasq fails the suite.
 */
export async function startDnsmasq(options: DnsmasqOptions): Promise<Dnsmasq> {
  const bin = requireTool('dnsmasq', 'apt-get install -y dnsmasq');
  if (!bin) throw new Error('dnsmasq is not installed (apt-get install -y dnsmasq); these tests need a real DNS server');
  // The free TCP port may be taken for UDP (or the reverse) by the time dnsmasq binds both.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDnsmasqOnce(bin, options);
    } catch (err) {
      if (!/Address already in use/i.test((err as Error).message) || attempt >= 10) throw err;
    }
  }
}

async function startDnsmasqOnce(bin: string, options: DnsmasqOptions): Promise<Dnsmasq> {
  const port = await freePort();
  const args = [
    '--no-daemon',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    '--pid-file=',
    '--log-facility=-',
    '--log-queries',
    `--local-ttl=${options.ttl ?? 300}`,
    // As root dnsmasq would drop to "nobody"; nothing here needs that.
    ...(process.getuid?.() === 0 ? ['--user=root', '--group=root'] : []),
  ];
  for (const [name, addresses] of Object.entries(options.hosts ?? {})) {
    for (const a of addresses) args.push(`--host-record=${name},${a}`);
  }
  for (const [alias, target] of Object.entries(options.cnames ?? {})) args.push(`--cname=${alias},${target}`);
  for (const d of options.nxDomains ?? []) args.push(`--local=/${d}/`);
  if (options.hostsFile) args.push(`--addn-hosts=${options.hostsFile}`);
  let output = '';
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
    });
  };
  try {
    await waitForPort(port, 10_000, () => (proc.exitCode !== null ? `dnsmasq exited with ${proc.exitCode}: ${output}` : undefined));
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, spec: `127.0.0.1:${port}`, log: () => output, stop };
}
