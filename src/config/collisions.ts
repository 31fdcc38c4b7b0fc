import { usageError } from '../errors';
import { bindTakes, formatHostPort } from '../net/address';
import { describeTunnel, TunnelSpec } from './tunnel-spec';

/** Two listeners clash on the same port when their addresses are equal or one is a wildcard. */
function clash(a: string, b: string): boolean {
  const norm = (h: string) => (h === 'localhost' ? '127.0.0.1' : h);
  const [x, y] = [norm(a), norm(b)];
  return bindTakes(x, y) || bindTakes(y, x);
}

function side(t: TunnelSpec, listen: string): string {
  const what = describeTunnel(t, listen);
  return t.source.startsWith('preset ') ? `${t.source} (${what})` : `mapping ${t.source}`;
}

/**
 * Refuses two tunnels on one local port before anything binds, naming both sides: the bind
 * error alone would name only the second, and only after the first was already listening.
 */
export function checkLocalPortCollisions(tunnels: TunnelSpec[], listen: string): void {
  for (let i = 0; i < tunnels.length; i++) {
    const a = tunnels[i] as TunnelSpec;
    if (a.localPort === 0) continue;
    const hostA = a.listenHost ?? listen;
    for (let j = 0; j < i; j++) {
      const b = tunnels[j] as TunnelSpec;
      if (b.localPort !== a.localPort || !clash(hostA, b.listenHost ?? listen)) continue;
      throw usageError(
        'ERR_CONFIG',
        `local port ${formatHostPort(hostA, a.localPort)} is used twice: by ${side(b, listen)} and by ${side(a, listen)}; give one of them another local port`,
      );
    }
  }
}
