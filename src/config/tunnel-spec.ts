import { inContext, usageError } from '../errors';
import { formatHostPort, parsePort, validateHost } from '../net/address';
import { ipFamily } from '../util/ip';

export interface TunnelSpec {
  /** Address to listen on; undefined means the global `--listen` address. */
  listenHost?: string;
  /** 0 asks the OS for any free port (handy for tests and scripts). */
  localPort: number;
  host: string;
  port: number;
  /** Where the mapping came from, for messages: the spec text or `preset gmail`. */
  source: string;
}

/** Splits on ':' outside of brackets so that `[2001:db8::1]` stays one field. */
function splitFields(spec: string): string[] | undefined {
  const fields: string[] = [];
  let i = 0;
  while (i <= spec.length) {
    if (spec[i] === '[') {
      const close = spec.indexOf(']', i);
      if (close < 0) return undefined;
      fields.push(spec.slice(i, close + 1));
      i = close + 1;
      if (i < spec.length && spec[i] !== ':') return undefined;
      i += 1;
    } else {
      const next = spec.indexOf(':', i);
      const end = next < 0 ? spec.length : next;
      fields.push(spec.slice(i, end));
      i = end + 1;
    }
  }
  return fields;
}

function unbracket(field: string, what: string): string {
  if (field.startsWith('[')) {
    const inner = field.slice(1, -1);
    if (ipFamily(inner) !== 6) {
      throw usageError('ERR_TUNNEL_SPEC', `${what} ${field} is not an IPv6 address; brackets are only for IPv6 literals`);
    }
    return inner.toLowerCase();
  }
  return field;
}

/**
 * Parses `LOCAL_PORT:HOST:PORT` or `BIND_ADDR:LOCAL_PORT:HOST:PORT`; IPv6 literals go in
 * brackets (`9993:[2001:db8::1]:993`, `[::1]:9993:imap.example.com:993`).
 */
export function parseTunnelSpec(spec: string, source = spec): TunnelSpec {
  const hint = 'write LOCAL_PORT:HOST:PORT, e.g. 9993:imap.gmail.com:993';
  const fields = splitFields(spec);
  if (!fields || (fields.length !== 3 && fields.length !== 4)) {
    throw usageError('ERR_TUNNEL_SPEC', `tunnel ${JSON.stringify(spec)} is not a valid mapping; ${hint}`);
  }
  return inContext(
    `tunnel ${JSON.stringify(spec)}`,
    () => {
      const [bind, local, host, port] = fields.length === 4 ? fields : [undefined, ...fields];
      const tunnel: TunnelSpec = {
        localPort: parsePort(local as string, 'local port', true),
        host: validateHost(unbracket(host as string, 'host'), 'host'),
        port: parsePort(port as string, 'remote port'),
        source,
      };
      if (bind !== undefined) tunnel.listenHost = bindAddress(bind);
      return tunnel;
    },
    'ERR_TUNNEL_SPEC',
  );
}

function bindAddress(bind: string): string {
  const host = unbracket(bind, 'listen address');
  if (!ipFamily(host) && host !== 'localhost') {
    throw usageError('ERR_TUNNEL_SPEC', `listen address ${JSON.stringify(bind)} must be an IP address (or localhost)`);
  }
  return host;
}

export function describeTunnel(t: TunnelSpec, listenHost: string): string {
  return `${formatHostPort(t.listenHost ?? listenHost, t.localPort)} -> ${formatHostPort(t.host, t.port)}`;
}
