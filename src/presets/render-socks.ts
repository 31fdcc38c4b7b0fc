import { formatHostPort } from '../net/address';
import { sanitizeLine } from '../log/sanitize';
import { thunderbird } from './render';
import type { Preset } from './schema';

/** The port `ptunnel --socks PORT` is shown with, as the README's Thunderbird walk-through uses. */
export const SOCKS_PORT = 1080;

/**
 * `ptunnel presets show NAME --socks`: the set-up with the SOCKS listener instead of tunnels.
 * The client keeps the provider's real names and ports and sends them to ptunnel, so there is
 * no mapping, no hosts file, and the OAuth2 sign-in (HTTPS) goes the same way.
 */
export function renderPresetSocks(preset: Preset, address: string): string {
  const socks = formatHostPort(address, SOCKS_PORT);
  const lines = [`${preset.name}: ${preset.description}`, `file: ${preset.file}`, '', `Run: ptunnel --socks ${address === '127.0.0.1' ? SOCKS_PORT : socks} [-p PROXY_HOST:PORT]`];
  lines.push('  (no --preset, no hosts file: the client names the real servers, ptunnel connects them)');
  const mail = thunderbird(preset, (s) => s.port);
  if (mail.length > 0) {
    lines.push(
      '',
      'Thunderbird proxy (Settings > Network & Disk Space > Connection Settings):',
      '  Manual proxy configuration',
      `    SOCKS Host:            ${address}`,
      `    Port:                  ${SOCKS_PORT}`,
      '    SOCKS v5:              selected',
      '    Proxy DNS when using SOCKS v5: on (host names go to ptunnel, not to the local DNS)',
      '',
      "Thunderbird (Account Settings; the provider's normal server names and ports):",
      ...mail,
      '',
      'The OAuth2 sign-in window (HTTPS) uses the same proxy setting, so it goes through ptunnel too.',
    );
  }
  const ssh = preset.client.filter((c) => c.protocol === 'SSH');
  if (ssh.length > 0) {
    lines.push('', 'SSH (~/.ssh/config; openbsd netcat):');
    for (const s of ssh) {
      lines.push(`  Host ${s.hostKeyAlias ?? s.server}`, `    HostName ${s.server}`, `    Port ${s.port}`);
      if (s.user) lines.push(`    User ${s.user}`);
      lines.push(`    ProxyCommand nc -X 5 -x ${socks} %h %p`);
    }
  }
  return `${lines.map(sanitizeLine).join('\n')}\n`;
}
