import convict from 'convict';
import { parseDuration } from '../util/duration';

/**
 * The single source of truth for settings: each has a doc, a format, a default, an env var and
 * (where it makes sense) a flag. The CLI builds its option table and `--help` from this, so a
 * setting cannot exist in one place and be missing in another.
 */

convict.addFormat({
  name: 'duration-text',
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('must be a duration such as 500ms, 10s or 2m');
    parseDuration(value);
  },
  coerce: (value: unknown) => String(value).trim(),
});

convict.addFormat({
  name: 'string-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new Error('must be a list of strings');
    }
  },
  coerce: (value: string) =>
    value
      .split(/[\s,]+/)
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
});

// Convict's Boolean takes anything but "false" as true; a switch says what it accepts.
convict.addFormat({
  name: 'switch',
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error('must be true or false (also yes/no, on/off, 1/0)');
  },
  coerce: (value: unknown) => {
    const text = String(value).trim().toLowerCase();
    if (['true', 'yes', 'on', '1'].includes(text)) return true;
    if (['false', 'no', 'off', '0'].includes(text)) return false;
    return value;
  },
});

convict.addFormat({
  name: 'optional-string',
  validate(value: unknown) {
    if (value !== null && typeof value !== 'string') throw new Error('must be a string');
  },
});

export interface SettingDoc {
  doc: string;
  format: unknown;
  default: unknown;
  env?: string;
  arg?: string;
  sensitive?: boolean;
  nullable?: boolean;
}

export const schema = {
  proxy: {
    url: {
      doc: 'HTTP proxy as HOST:PORT or http://[user:password@]host:port (https:// for TLS to the proxy). Defaults to https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY',
      arg: 'proxy',
    },
    user: {
      doc: 'User name for proxy Basic authentication.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_USER',
      arg: 'user',
    },
    password: {
      doc: 'Password for proxy Basic authentication (prefer --proxy-password-file: command lines are visible to other users).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_PASSWORD',
      arg: 'password',
      sensitive: true,
    },
    passwordFile: {
      doc: 'File holding the proxy password (a trailing newline is ignored); how Kubernetes and Docker secrets arrive.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_PASSWORD_FILE',
      arg: 'proxy-password-file',
    },
    ca: {
      doc: 'PEM file with the CA certificate(s) that sign an https:// proxy (a private or corporate CA).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_CA',
      arg: 'proxy-ca',
    },
  },
  mode: {
    doc: 'auto: try the proxy, fall back to a direct connection when it is unreachable; proxy: never go direct; direct: never use a proxy. Without a proxy the mode is direct.',
    format: ['auto', 'proxy', 'direct'],
    default: 'auto',
    env: 'PTUNNEL_MODE',
    arg: 'mode',
  },
  noProxy: {
    doc: 'Targets that always go direct: comma list of *, host names, .domain suffixes, host:port, IP addresses and CIDR ranges. Defaults to no_proxy, NO_PROXY.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_NO_PROXY',
    arg: 'no-proxy',
  },
  listen: {
    doc: 'Address the tunnels listen on, unless a mapping names its own. Anything but loopback lets others use the proxy through you.',
    format: String,
    default: '127.0.0.1',
    env: 'PTUNNEL_LISTEN',
    arg: 'listen',
  },
  connectTimeout: {
    doc: 'Bound on the TCP connect plus the wait for the proxy answer, per attempt.',
    format: 'duration-text',
    default: '10s',
    env: 'PTUNNEL_CONNECT_TIMEOUT',
    arg: 'connect-timeout',
  },
  idleTimeout: {
    doc: 'Close a connection after this long without traffic either way; 0 (default) never does, as IMAP IDLE stays silent for up to 29 minutes.',
    format: 'duration-text',
    default: '0',
    env: 'PTUNNEL_IDLE_TIMEOUT',
    arg: 'idle-timeout',
  },
  halfCloseTimeout: {
    doc: 'After one side ends its stream, how long the other direction may stay silent before both are closed (traffic re-arms it).',
    format: 'duration-text',
    default: '60s',
    env: 'PTUNNEL_HALF_CLOSE_TIMEOUT',
    arg: 'half-close-timeout',
  },
  log: {
    level: {
      doc: 'error, warn, info, debug or trace (-v is debug, -vv trace, -q error).',
      format: ['error', 'warn', 'info', 'debug', 'trace'],
      default: 'info',
      env: 'PTUNNEL_LOG_LEVEL',
      arg: 'log-level',
    },
    format: {
      doc: 'text or json; auto picks text on a terminal and json otherwise.',
      format: ['auto', 'text', 'json'],
      default: 'auto',
      env: 'PTUNNEL_LOG_FORMAT',
      arg: 'log-format',
    },
  },
  dns: {
    servers: {
      doc: 'Resolvers for direct connections, tried in order: IP[:port] or udp://IP[:port] (UDP, TCP when truncated), tcp://IP[:port], https://HOST[:port]/PATH (DNS over HTTPS; append {?dns} for GET), or system (nameservers in /etc/resolv.conf). Never the hosts file.',
      format: 'string-list',
      default: ['system', 'https://1.1.1.1/dns-query', 'https://8.8.8.8/dns-query'] as string[],
      env: 'PTUNNEL_DNS',
      arg: 'dns',
    },
    timeout: {
      doc: 'How long to wait for one DNS answer before retrying or asking the next resolver.',
      format: 'duration-text',
      default: '2s',
      env: 'PTUNNEL_DNS_TIMEOUT',
      arg: 'dns-timeout',
    },
    retries: {
      doc: 'Extra attempts per resolver after a DNS timeout.',
      format: 'nat',
      default: 1,
      env: 'PTUNNEL_DNS_RETRIES',
      arg: 'dns-retries',
    },
    cache: {
      doc: 'Cache DNS answers by TTL (clamped to 5s..1h; "no such name" for up to 30s); false asks every time.',
      format: 'switch',
      default: true,
      env: 'PTUNNEL_DNS_CACHE',
      arg: 'dns-cache',
    },
    allow: {
      doc: 'Addresses or CIDR ranges a resolver may answer although they are loopback or ptunnel\'s own (the loop guard refuses those otherwise), e.g. 127.0.0.2 for a server on this host.',
      format: 'string-list',
      default: [] as string[],
      env: 'PTUNNEL_DNS_ALLOW',
      arg: 'dns-allow',
    },
  },
  admin: {
    doc: 'ADDR:PORT for the admin HTTP server (/startup, /livez, /readyz, /metrics, /status, POST /quitquitquit); empty: off. Keep it on loopback or a private network.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_ADMIN',
    arg: 'admin',
  },
  shutdownTimeout: {
    doc: 'On SIGTERM, SIGINT or /quitquitquit, how long live connections may finish before they are cut; keep it below the pod\'s terminationGracePeriodSeconds.',
    format: 'duration-text',
    default: '30s',
    env: 'PTUNNEL_SHUTDOWN_TIMEOUT',
    arg: 'shutdown-timeout',
  },
  maxConnections: {
    doc: 'Most connections open at once over all tunnels; more are refused at once (reset, logged, counted); 0: no limit.',
    format: 'nat',
    default: 0,
    env: 'PTUNNEL_MAX_CONNECTIONS',
    arg: 'max-connections',
  },
  maxConnectionsPerTunnel: {
    doc: 'Most connections open at once on one tunnel; 0: no limit.',
    format: 'nat',
    default: 0,
    env: 'PTUNNEL_MAX_CONNECTIONS_PER_TUNNEL',
    arg: 'max-connections-per-tunnel',
  },
  tunnels: {
    doc: 'Mappings LOCAL_PORT:HOST:PORT or BIND_ADDR:LOCAL_PORT:HOST:PORT (command line: positional arguments).',
    format: 'string-list',
    default: [] as string[],
    env: 'PTUNNEL_TUNNELS',
  },
  presets: {
    doc: 'Presets to run, e.g. gmail (see "ptunnel presets"); repeat the flag or give a comma list. Combines with explicit mappings.',
    format: 'string-list',
    default: [] as string[],
    env: 'PTUNNEL_PRESET',
    arg: 'preset',
  },
  presetsDir: {
    doc: 'Folder with your own presets (NAME.yaml); one named like a built-in replaces it.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_PRESETS_DIR',
    arg: 'presets-dir',
  },
  localPorts: {
    doc: 'preset: each preset\'s own local ports, which never collide; same: the remote ports themselves (993, 587, 465), for containers whose clients keep default ports (ports below 1024 need privilege).',
    format: ['preset', 'same'],
    default: 'preset',
    env: 'PTUNNEL_LOCAL_PORTS',
    arg: 'local-ports',
  },
};

/** The validated values, shaped like the schema. */
export interface RawSettings {
  proxy: { url: string | null; user: string | null; password: string | null; passwordFile: string | null; ca: string | null };
  mode: string;
  noProxy: string | null;
  listen: string;
  connectTimeout: string;
  idleTimeout: string;
  halfCloseTimeout: string;
  log: { level: string; format: string };
  dns: { servers: string[]; timeout: string; retries: number; cache: boolean; allow: string[] };
  admin: string | null;
  shutdownTimeout: string;
  maxConnections: number;
  maxConnectionsPerTunnel: number;
  tunnels: string[];
  presets: string[];
  presetsDir: string | null;
  localPorts: string;
}

/** Every leaf setting with its dotted key, in schema order. */
export function settings(node: Record<string, unknown> = schema, prefix = ''): Array<[string, SettingDoc]> {
  const out: Array<[string, SettingDoc]> = [];
  for (const [key, value] of Object.entries(node)) {
    const full = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && 'default' in value) out.push([full, value as SettingDoc]);
    else out.push(...settings(value as Record<string, unknown>, full));
  }
  return out;
}
