import { formatHostPort } from '../net/address';
import { sanitizeLine } from '../log/sanitize';
import { LocalPorts, localPortOf } from './local-ports';
import type { ClientSetting, Preset, PresetTunnel } from './schema';

/** Where mail clients find ptunnel: the hosts file and hostAliases point the real names here. */
export const DEFAULT_HOSTS_ADDRESS = '127.0.0.1';

function tunnelFor(preset: Preset, s: Pick<ClientSetting, 'server' | 'port'>): PresetTunnel | undefined {
  return preset.tunnels.find((t) => t.host === s.server && t.port === s.port);
}

/**
 * The names a client must reach through ptunnel under their real spelling, so that TLS checks
 * the certificate against them. SSH needs no such name (it checks host keys, see sshConfig), and
 * pointing ssh.github.com at loopback would break plain `ssh -p 443 git@ssh.github.com`.
 */
export function hostNames(preset: Preset): string[] {
  const sshOnly = (host: string) => {
    const uses = preset.client.filter((s) => s.server === host);
    return uses.length > 0 && uses.every((s) => s.protocol === 'SSH');
  };
  return [...new Set(preset.tunnels.map((t) => t.host))].filter((h) => !sshOnly(h));
}

/**
 * ptunnel listens on both loopbacks by default, and a client may look up either family first
 * (Node 17+ and many others take ::1 first), so the default block names both.
 */
export function hostsLines(preset: Preset, address = DEFAULT_HOSTS_ADDRESS): string[] {
  const addresses = address === DEFAULT_HOSTS_ADDRESS ? [DEFAULT_HOSTS_ADDRESS, '::1'] : [address];
  return hostNames(preset).flatMap((h) => addresses.map((a) => `${a} ${h}`));
}

export function hostAliasesYaml(names: string[], address = DEFAULT_HOSTS_ADDRESS): string[] {
  return ['hostAliases:', `  - ip: "${address}"`, '    hostnames:', ...names.map((n) => `      - "${n}"`)];
}

export function dockerFlags(preset: Preset, mode: LocalPorts): string {
  return preset.tunnels.map((t) => `-p 127.0.0.1:${localPortOf(t, mode)}:${localPortOf(t, mode)}`).join(' ');
}

/**
 * Field names as Thunderbird's Account Settings show them, so users can copy them across; `portOf`
 * is the port the client connects to (a tunnel's local port, or the real one through SOCKS).
 */
export function thunderbird(preset: Preset, portOf: (s: ClientSetting) => number): string[] {
  const out: string[] = [];
  for (const s of preset.client.filter((c) => c.protocol !== 'SSH')) {
    out.push(
      s.protocol === 'IMAP' ? '  Server Settings (incoming)' : '  Outgoing Server (SMTP)',
      ...(s.protocol === 'IMAP' ? ['    Server Type:           IMAP Mail Server'] : []),
      `    Server Name:           ${s.server}`,
      `    Port:                  ${portOf(s)}`,
      `    Connection security:   ${s.security}`,
    );
    if (s.authentication) out.push(`    Authentication method: ${s.authentication}`);
  }
  return out;
}

function sshConfig(preset: Preset, mode: LocalPorts, address: string): string[] {
  const out: string[] = [];
  for (const s of preset.client.filter((c) => c.protocol === 'SSH')) {
    const t = tunnelFor(preset, s) as PresetTunnel;
    out.push(`  Host ${s.hostKeyAlias ?? s.server}`, `    HostName ${address}`, `    Port ${localPortOf(t, mode)}`);
    if (s.user) out.push(`    User ${s.user}`);
    out.push(`    HostKeyAlias ${s.hostKeyAlias ?? s.server}`);
  }
  return out;
}

/** Everything `ptunnel presets show NAME` prints. */
export function renderPreset(preset: Preset, mode: LocalPorts, address = DEFAULT_HOSTS_ADDRESS): string {
  const names = hostNames(preset);
  const flag = mode === 'same' ? ' --local-ports same' : '';
  const lines = [
    `${preset.name}: ${preset.description}`,
    `file: ${preset.file}`,
    '',
    `Run: ptunnel --preset ${preset.name}${flag} [-p PROXY_HOST:PORT]`,
    '',
    'Tunnels (local port -> remote):',
    ...preset.tunnels.map((t) => `  ${localPortOf(t, mode)} -> ${formatHostPort(t.host, t.port)}`),
  ];
  if (names.length > 0) {
    lines.push('', `Hosts file (ptunnel hosts --preset ${preset.name} --apply writes these):`, ...hostsLines(preset, address).map((l) => `  ${l}`));
  }
  const mail = thunderbird(preset, (s) => localPortOf(tunnelFor(preset, s) as PresetTunnel, mode));
  if (mail.length > 0) {
    lines.push('', 'Thunderbird (Account Settings; keep the real server names so TLS checks the certificate):', ...mail);
  }
  const ssh = sshConfig(preset, mode, address);
  if (ssh.length > 0) lines.push('', 'SSH (~/.ssh/config):', ...ssh);
  if (names.length > 0) {
    lines.push('', 'Kubernetes (pod spec, with ptunnel as a sidecar in the same pod):', ...hostAliasesYaml(names, address).map((l) => `  ${l}`));
  }
  lines.push('', 'Docker (publish the ports of a ptunnel container that listens on 0.0.0.0):', `  ${dockerFlags(preset, mode)}`);
  if (preset.notes.length > 0) lines.push('', 'Notes:', ...preset.notes.map((n) => `  - ${n}`));
  // Every line holds text from a preset file: each is made one printable line on its own.
  return `${lines.map(sanitizeLine).join('\n')}\n`;
}

/** One line per preset for `ptunnel presets`. */
export function renderPresetList(presets: Preset[]): string {
  const names = presets.map((p) => sanitizeLine(p.name));
  const width = Math.max(...names.map((n) => n.length)) + 2;
  const rows = presets.map((p, i) => {
    const ports = p.tunnels.map((t) => `${t.local}->${formatHostPort(t.host, t.port)}`).join(', ');
    return `  ${(names[i] as string).padEnd(width)}${sanitizeLine(p.description)}\n  ${' '.repeat(width)}${sanitizeLine(ports)}`;
  });
  return `Presets (ptunnel presets show NAME for client settings):\n${rows.join('\n')}\n`;
}
