import { Format, FormatValue, LOCAL_PORTS, LOG_FORMATS, LOG_LEVELS, MODES, PROXY_AUTH_MODES } from './formats';

/**
 * The single source of truth for settings: each has a doc, a format, a default, an env var and
 * (where it makes sense) a flag. The CLI builds its option table and `--help` from this, so a
 * setting cannot exist in one place and be missing in another.
 */

export interface SettingDoc {
  doc: string;
  format: Format;
  default: unknown;
  env?: string;
  arg?: string;
  sensitive?: boolean;
  nullable?: boolean;
  /** A text setting whose flag may be repeated: the values are joined into one comma list. */
  repeatable?: boolean;
}

interface SchemaTree {
  [key: string]: SettingDoc | SchemaTree;
}

export const schema = {
  proxy: {
    url: {
      doc: 'HTTP proxy as HOST:PORT or http://[user:password@]host:port (https:// for TLS to the proxy); repeat the flag or give a comma list for proxies tried in that order of preference; system reads the operating system\'s settings. Defaults to https_proxy, HTTPS_PROXY, all_proxy, ALL_PROXY.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY',
      arg: 'proxy',
      repeatable: true,
    },
    user: {
      doc: 'User name for proxy authentication: user, DOMAIN\\user or user@REALM.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_USER',
      arg: 'user',
    },
    password: {
      doc: 'Password for proxy authentication (prefer --proxy-password-file: command lines are visible to other users).',
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
    auth: {
      doc: 'Proxy authentication scheme: auto picks the strongest the proxy offers and ptunnel can use (Negotiate with Kerberos credentials, else NTLM, else Basic); basic, ntlm or negotiate insist on one.',
      format: PROXY_AUTH_MODES,
      default: 'auto',
      env: 'PTUNNEL_PROXY_AUTH',
      arg: 'proxy-auth',
    },
    domain: {
      doc: 'NTLM domain for a user name given without one (DOMAIN\\user and user@REALM carry their own).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_DOMAIN',
      arg: 'proxy-domain',
    },
    ntHashFile: {
      doc: 'File holding the NT hash of the proxy password (32 hex digits), for NTLM instead of the password itself.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_NT_HASH_FILE',
      arg: 'proxy-nt-hash-file',
    },
    spn: {
      doc: 'Kerberos service name for Negotiate, instead of HTTP@<proxy host as configured>.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_PROXY_SPN',
      arg: 'proxy-spn',
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
  pac: {
    doc: 'Proxy auto-config: an http(s) URL or a file with FindProxyForURL, or wpad to look for http://wpad.DOMAIN/wpad.dat along the resolv.conf search list. Its answer for each target (PROXY, HTTPS, DIRECT) is that tunnel\'s list; when it cannot be fetched, --proxy or direct is used.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_PAC',
    arg: 'pac',
  },
  pacRefresh: {
    doc: 'How often the PAC file is fetched again (also on SIGHUP and when a proxy it named fails); decisions are cached per target until then.',
    format: 'duration-text',
    default: '5m',
    env: 'PTUNNEL_PAC_REFRESH',
    arg: 'pac-refresh',
  },
  mode: {
    doc: 'auto: try the proxy, fall back to a direct connection when it is unreachable; proxy: never go direct; direct: never use a proxy. Without a proxy the mode is direct.',
    format: MODES,
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
    doc: 'Address the tunnels listen on, unless a mapping names its own; localhost: both 127.0.0.1 and ::1 (127.0.0.1 alone without IPv6). Anything but loopback lets others use the proxy through you.',
    format: String,
    default: 'localhost',
    env: 'PTUNNEL_LISTEN',
    arg: 'listen',
  },
  socks: {
    listen: {
      doc: 'Also run a SOCKS5 server (SOCKS4a too) on [ADDR:]PORT, both loopbacks (127.0.0.1 and ::1) unless ADDR is given, routed like the tunnels to any destination the client names (Thunderbird, curl --socks5-hostname, ssh ProxyCommand nc -X 5).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_SOCKS',
      arg: 'socks',
    },
    user: {
      doc: 'SOCKS clients must log in as this user (RFC 1929) with the password in --socks-password-file; without it no authentication is asked.',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_SOCKS_USER',
      arg: 'socks-user',
    },
    passwordFile: {
      doc: 'File holding the password SOCKS clients give with --socks-user (a trailing newline is ignored).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_SOCKS_PASSWORD_FILE',
      arg: 'socks-password-file',
    },
  },
  httpProxy: {
    listen: {
      doc: 'Also run an HTTP proxy on [ADDR:]PORT, both loopbacks (127.0.0.1 and ::1) unless ADDR is given: CONNECT and absolute-URI requests (http://), routed like the tunnels and authenticated upstream with ptunnel\'s own credentials (curl -x, git http.proxy, npm proxy).',
      format: 'optional-string',
      default: null,
      nullable: true,
      env: 'PTUNNEL_HTTP_PROXY',
      arg: 'http-proxy',
    },
  },
  allowClients: {
    doc: 'Comma list of client CIDR ranges the SOCKS and HTTP proxy listeners serve; needed to bind them anywhere but loopback (an open proxy otherwise). Default: loopback only.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_ALLOW_CLIENTS',
    arg: 'allow-clients',
  },
  allowDest: {
    doc: 'Comma list of destinations the SOCKS and HTTP proxy listeners may connect to: name, .domain, IP or CIDR, or *, each with an optional :PORT or :PORT-PORT ([IPv6]:PORT). Default: any.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_ALLOW_DEST',
    arg: 'allow-dest',
  },
  denyDest: {
    doc: 'Comma list of destinations (as --allow-dest) the local proxy listeners refuse, in addition to the built-in denials: link-local and metadata addresses and ptunnel\'s own ports.',
    format: 'optional-string',
    default: null,
    nullable: true,
    env: 'PTUNNEL_DENY_DEST',
    arg: 'deny-dest',
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
  halfCloseLinger: {
    doc: "Through a proxy, hold the client's end of stream (FIN) until the server has answered and then been quiet this long, or has ended, as squid tears a tunnel down at the first FIN with the reply still in flight; a server that sends nothing gets the FIN after 2s; 0 passes it on at once. Direct routes never wait.",
    format: 'duration-text',
    default: '250ms',
    env: 'PTUNNEL_HALF_CLOSE_LINGER',
    arg: 'half-close-linger',
  },
  log: {
    level: {
      doc: 'error, warn, info, debug or trace (-v is debug, -vv trace, -q error).',
      format: LOG_LEVELS,
      default: 'info',
      env: 'PTUNNEL_LOG_LEVEL',
      arg: 'log-level',
    },
    format: {
      doc: 'text or json; auto picks text on a terminal and json otherwise.',
      format: LOG_FORMATS,
      default: 'auto',
      env: 'PTUNNEL_LOG_FORMAT',
      arg: 'log-format',
    },
  },
  dns: {
    servers: {
      doc: 'Resolvers for direct connections, tried in order: IP[:port] or udp://IP[:port] (UDP, TCP when truncated), tcp://IP[:port], https://HOST[:port]/PATH (DNS over HTTPS; append {?dns} for GET), or system (nameservers in /etc/resolv.conf). Never the hosts file.',
      format: 'string-list',
      // Works on a laptop, in Docker and in Kubernetes; see README "DNS: how ptunnel finds the real
      // servers". In short: the system's nameservers know internal and split-horizon names and are
      // often the only DNS a locked-down network lets out, so they go first. They reach past the
      // hosts file everywhere except behind a local stub that reads it (systemd-resolved on
      // 127.0.0.53, dnsmasq on a laptop); the loop guard catches that answer and the public DoH
      // servers, addressed by IP so that nothing has to be looked up to reach them, answer instead.
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
  adminHost: {
    doc: 'Host names the admin server answers to besides its address (repeatable or a comma list), e.g. the Service name; other names get 421, against DNS rebinding. IP literals are always accepted on 0.0.0.0 and ::.',
    format: 'string-list',
    default: [] as string[],
    env: 'PTUNNEL_ADMIN_HOST',
    arg: 'admin-host',
  },
  shutdownTimeout: {
    doc: 'On SIGTERM, SIGINT or /quitquitquit, how long live connections may finish before they are cut; keep it below the pod\'s terminationGracePeriodSeconds.',
    format: 'duration-text',
    default: '30s',
    env: 'PTUNNEL_SHUTDOWN_TIMEOUT',
    arg: 'shutdown-timeout',
  },
  maxConnections: {
    doc: 'Most connections open at once over all tunnels; more are refused at once (reset, logged, counted); 0: no limit. Default: (the soft limit of open files, ulimit -n, minus 64 kept for the admin server, DNS and listeners) / 2, as each connection holds two descriptors; no limit when open files are unlimited.',
    format: 'nat',
    default: null,
    nullable: true,
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
  prewarm: {
    doc: 'Keep up to this many tunnels per tunnel mapping open through the proxy (CONNECT and authentication done) and hand one to the next client at once; 0: off. A warm tunnel is a connection the server sees before any client does.',
    format: 'nat',
    default: 0,
    env: 'PTUNNEL_PREWARM',
    arg: 'prewarm',
  },
  prewarmMaxAge: {
    doc: 'How long a warm tunnel (--prewarm) waits for a client before it is closed and replaced; keep it below the idle timeout of the servers behind the tunnels.',
    format: 'duration-text',
    default: '5s',
    env: 'PTUNNEL_PREWARM_MAX_AGE',
    arg: 'prewarm-max-age',
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
    format: LOCAL_PORTS,
    default: 'preset',
    env: 'PTUNNEL_LOCAL_PORTS',
    arg: 'local-ports',
  },
} as const satisfies SchemaTree;

/** The validated values, shaped like the schema: each setting's type follows from its format. */
type Values<S> = {
  -readonly [K in keyof S]: S[K] extends { format: infer F; default: unknown } ? FormatValue<F> : Values<S[K]>;
};
export type RawSettings = Values<typeof schema>;

/** The dotted names of the settings ("mode", "dns.servers"), as convict and the flags use them. */
type Keys<S, Prefix extends string = ''> = {
  [K in keyof S & string]: S[K] extends { default: unknown } ? `${Prefix}${K}` : Keys<S[K], `${Prefix}${K}.`>;
}[keyof S & string];
export type SettingKey = Keys<typeof schema>;

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
