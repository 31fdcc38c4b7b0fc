import { defaultHostsPath } from '../hosts/file';
import { SETTING_FLAGS, SHORT } from './args';

function wrap(text: string, indent: number, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line && line.length + 1 + w.length > width - indent) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** `--help` rows for settings, from the schema, so that help and schema cannot drift apart. */
function settingRows(keys?: string[]): Array<[string, string]> {
  return SETTING_FLAGS.filter(([key]) => keys === undefined || keys.includes(key)).map(([, s]) => {
    const arg = s.arg as string;
    const short = SHORT[arg];
    const name = `${short ? `-${short}, ` : '    '}--${arg} ${arg.includes('file') || arg === 'proxy-ca' ? 'FILE' : 'VALUE'}`;
    const dflt = s.default === null || (Array.isArray(s.default) && s.default.length === 0) ? '' : ` [default: ${String(s.default)}]`;
    return [name, `${s.doc}${dflt} (env ${s.env})`];
  });
}

function optionList(rows: Array<[string, string]>): string {
  const width = Math.max(...rows.map(([n]) => n.length)) + 2;
  return rows.map(([n, d]) => `  ${n.padEnd(width)}${wrap(d, width + 2)}`).join('\n');
}

const CONFIG_ROW: [string, string] = ['-c, --config FILE', 'Read settings from a JSON or YAML file (flags win over env, env over the file).'];

export function tunnelHelp(): string {
  const options = optionList([
    ...settingRows(),
    CONFIG_ROW,
    ['    --print-config', 'Print the effective configuration as JSON, secrets masked, and exit.'],
    ['-v, --verbose', 'More logging: -v debug, -vv trace.'],
    ['-q, --quiet', 'Log errors only.'],
    ['-h, --help', 'Show this help and exit.'],
    ['-V, --version', 'Print the version and exit.'],
  ]);
  return `Usage: ptunnel [options] LOCAL_PORT:HOST:PORT [...]
       ptunnel [options] BIND_ADDR:LOCAL_PORT:HOST:PORT [...]
       ptunnel [options] --preset NAME [--preset NAME ...] [mappings ...]
       ptunnel presets [show NAME]           (ptunnel presets --help)
       ptunnel hosts --preset NAME [--apply | --remove] [--file PATH]   (ptunnel hosts --help)
       ptunnel resolve NAME [--dns LIST]     (what ptunnel's own resolver answers)
       ptunnel proxy-for HOST:PORT [--pac URL]   (which proxy a connection takes, and why)
       ptunnel health [--admin ADDR:PORT]    (exit 0 when /readyz answers 200)
       ptunnel status [--json]               (what the running ptunnel is doing, live connections)
       ptunnel doctor --preset NAME [...]    (why mail does not work: proxy, CONNECT, TLS, DNS, hosts)
       ptunnel service install|uninstall|status [--system] [--dry-run] -- ARGS...   (start at login)

Listens on local ports and carries each connection to HOST:PORT through an HTTP proxy
(CONNECT), or directly when the proxy is unreachable. TLS stays end to end.

Examples:
  ptunnel -p proxy.corp:3128 --preset gmail
  ptunnel -p proxy.corp:3128 9993:imap.gmail.com:993 5587:smtp.gmail.com:587
  HTTPS_PROXY=http://proxy.corp:3128 ptunnel 2222:ssh.github.com:443
  ptunnel 9993:[2001:db8::1]:993

Options:
${options}

Durations take a unit: 500ms, 10s, 2m, 1h.
`;
}

export function resolveHelp(): string {
  const options = optionList([
    ...settingRows(['dns.servers', 'dns.timeout', 'dns.retries', 'dns.allow']),
    CONFIG_ROW,
    ['-v, --verbose', 'Log each query.'],
    ['-h, --help', 'Show this help and exit.'],
  ]);
  return `Usage: ptunnel resolve NAME [--dns LIST] [options]

Asks each resolver ptunnel is configured with for NAME, prints what each answers and which
answer ptunnel would connect to, and explains why the system's own answer may differ (usually
the hosts-file entry for the mail client). Exit 0 when ptunnel gets a usable address, 1 otherwise.
Every option of "ptunnel --help" is accepted; these are the ones that matter here:

${options}
`;
}

export function proxyForHelp(): string {
  const options = optionList([
    ...settingRows(['proxy.url', 'pac', 'mode', 'noProxy', 'connectTimeout', 'dns.servers']),
    CONFIG_ROW,
    ['-v, --verbose', 'Log the PAC fetch and each DNS query.'],
    ['-h, --help', 'Show this help and exit.'],
  ]);
  return `Usage: ptunnel proxy-for HOST:PORT [--pac URL|FILE|wpad] [--proxy LIST] [options]

Prints the route a new connection to HOST:PORT would take and why: the mode, where the PAC file
came from and what FindProxyForURL answered (and how long it took), each proxy's health (probed
now), and whether NO_PROXY matches. The first thing to run when a tunnel goes the wrong way.
Exit 0 when there is a way out, 1 when the PAC is broken or no proxy answers where direct is not
allowed. Every option of "ptunnel --help" is accepted; these are the ones that matter here:

${options}
`;
}

export const PRESETS_HELP = `Usage: ptunnel presets [--presets-dir DIR]
       ptunnel presets show NAME [--local-ports preset|same] [--address IP] [--presets-dir DIR]
       ptunnel presets show NAME --socks [--address IP]

Lists the presets, or shows one: its tunnels, the hosts-file lines, the mail-client settings
as Thunderbird names them, a Kubernetes hostAliases snippet and docker -p flags.

  --socks             Show the SOCKS way instead (ptunnel --socks 1080): Thunderbird's proxy
                      settings and the provider's real server names and ports, no hosts file.

  --presets-dir DIR   Your own presets (NAME.yaml); they override built-ins of the same name
                      (env PTUNNEL_PRESETS_DIR).
  --local-ports MODE  preset: the preset's own ports (default); same: the remote ports.
  --address IP        Where the hosts file and hostAliases point the names, or the SOCKS host
                      [default: 127.0.0.1].
`;

export function hostsHelp(): string {
  return `Usage: ptunnel hosts --preset NAME [--apply | --remove] [--file PATH] [--address IP]

Prints the hosts-file block that points a preset's server names at ptunnel, so that the mail
client keeps the real names and TLS checks the real certificates. --apply writes the block
(marked "# BEGIN ptunnel NAME" ... "# END ptunnel NAME"), --remove takes it out again; both keep
a copy of the previous file as PATH.ptunnel.bak and need the rights to write the file.

  --preset NAME       Repeatable, or a comma list (env PTUNNEL_PRESET).
  --file PATH         The hosts file [default: ${defaultHostsPath()}].
  --address IP        Where the names point [default: 127.0.0.1].
  --presets-dir DIR   Your own presets (env PTUNNEL_PRESETS_DIR).
`;
}

export const HEALTH_HELP = `Usage: ptunnel health [--admin ADDR:PORT] [--timeout 3s]

Exit 0 when /readyz answers 200, 1 otherwise.
The address defaults to PTUNNEL_ADMIN; without one, every running ptunnel is asked on its
control socket, and when none runs here, 127.0.0.1:9090.
--timeout bounds the whole request (default 3s).
`;

export const SERVICE_HELP = `Usage: ptunnel service install|uninstall|status [--system] [--dry-run] -- ARGS...

Starts "ptunnel ARGS..." at login: a systemd user unit (systemctl --user) on Linux, a launchd
LaunchAgent on macOS, a Task Scheduler logon task (as you, not LocalSystem) on Windows.
uninstall stops and removes it; status asks the service manager.

  --system            Linux: a hardened system unit (dynamic user; a --proxy-password-file is
                      passed as a systemd credential); macOS: a LaunchDaemon. Needs root.
  --dry-run           Print the file and the commands; write and run nothing.
`;

export const STATUS_HELP = `Usage: ptunnel status [--json] [--admin ADDR:PORT] [--timeout 3s]

What each running ptunnel of this user is doing: its tunnels and listeners, the proxy state and
the live connections (client, target, route, age, bytes each way). Found by its control socket
($XDG_RUNTIME_DIR/ptunnel/, else a folder of your own in the temp dir), no flag needed;
--admin ADDR:PORT (or PTUNNEL_ADMIN) asks an admin server instead.
--json prints the same as a JSON array, one entry per ptunnel.
Exit 0 when a ptunnel answered, 1 when none runs or none answered.
`;

export const DOCTOR_HELP = `Usage: ptunnel doctor --preset NAME [--preset NAME ...] [proxy options] [--hosts-file FILE] [--json]

Why mail does not work, in one screen: where the proxy setting comes from (--proxy, the
environment, the system settings, the PAC with its answer per target) and what each gives;
whether the proxy is reachable and which auth schemes its 407 offers; for each preset target
what CONNECT returns (200, 403, 407) and the TLS certificate the client would see (subject,
issuer, SHA-256; after the STARTTLS exchange on 587 and 143), no trust decision made; what
ptunnel's resolver and the system resolver answer; whether the hosts file (--hosts-file, default
the system's), or a pod's hostAliases, point the names at ptunnel. Each failing line ends with
a fix.
It takes the options of "ptunnel --help" (--proxy, --user, --mode, --dns, --presets-dir ...).
--json prints the same findings as JSON.
Exit 0 only when every preset target would work, 1 otherwise.
`;
