import { usageError } from '../errors';
import { bindTakes, formatHostPort, sameAddress } from '../net/address';
import { describeTunnel, TunnelSpec } from './tunnel-spec';

/** What a listen host binds: `localhost` is both loopbacks (see tunnel/listeners). */
const bound = (h: string) => (h === 'localhost' ? ['127.0.0.1', '::1'] : [h]);
const norm = (h: string) => (h === 'localhost' ? '127.0.0.1' : h);

/** Two listeners clash on the same port when they bind an equal address or one is a wildcard. */
function clash(a: string, b: string): boolean {
  return bound(a).some((x) => bound(b).some((y) => bindTakes(x, y) || bindTakes(y, x)));
}

/** A preset's tunnel shows its address anyway; a mapping's text shows it only when `where` asks. */
function side(t: TunnelSpec, listen: string, where: boolean): string {
  if (t.source.startsWith('preset ')) return `${t.source} (${describeTunnel(t, listen)})`;
  return where ? `mapping ${t.source} (on ${formatHostPort(t.listenHost ?? listen, t.localPort)})` : `mapping ${t.source}`;
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
      const hostB = b.listenHost ?? listen;
      if (b.localPort !== a.localPort || !clash(hostA, hostB)) continue;
      // A wildcard and one address clash too: then each side is named with its own address.
      const same = hostA === hostB || (hostA !== 'localhost' && hostB !== 'localhost' && sameAddress(norm(hostA), norm(hostB)));
      const port = same ? formatHostPort(hostA, a.localPort) : String(a.localPort);
      throw usageError(
        'ERR_CONFIG',
        `local port ${port} is used twice: by ${side(b, listen, !same)} and by ${side(a, listen, !same)}; give one of them another local port`,
      );
    }
  }
}
