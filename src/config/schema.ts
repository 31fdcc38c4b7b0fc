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
    doc: 'After one side ends its stream, how long to wait for the other side to end before closing both.',
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
  tunnels: {
    doc: 'Mappings LOCAL_PORT:HOST:PORT or BIND_ADDR:LOCAL_PORT:HOST:PORT (command line: positional arguments).',
    format: 'string-list',
    default: [] as string[],
    env: 'PTUNNEL_TUNNELS',
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
  tunnels: string[];
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
