import { parseArgs, ParseArgsConfig } from 'node:util';
import { usageError } from '../errors';
import { settings } from '../config/schema';

/** Short forms kept from the original ptunnel command line. */
const SHORT: Record<string, string> = { proxy: 'p', user: 'U', password: 'P', listen: 'l' };

/** Flags that are not settings: they steer the command itself. */
const COMMAND_FLAGS = {
  config: { type: 'string', short: 'c' },
  'print-config': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export interface ParsedArgs {
  /** Settings given as flags, keyed by dotted setting name. */
  flags: Record<string, unknown>;
  positionals: string[];
  configFile?: string;
  printConfig: boolean;
  verbosity: number;
  quiet: boolean;
  help: boolean;
  version: boolean;
}

const SETTING_FLAGS = settings().filter(([, s]) => s.arg !== undefined);

function options(): NonNullable<ParseArgsConfig['options']> {
  const opts: NonNullable<ParseArgsConfig['options']> = { ...COMMAND_FLAGS };
  for (const [, s] of SETTING_FLAGS) {
    const arg = s.arg as string;
    const short = SHORT[arg];
    // List settings (--preset) may be repeated; each value may also be a comma list.
    const multiple = s.format === 'string-list';
    opts[arg] = short ? { type: 'string', short, multiple } : { type: 'string', multiple };
  }
  return opts;
}

/** One line for parseArgs' messages, which are written for developers. */
function argsError(err: Error): never {
  const m = /Unknown option '([^']+)'/.exec(err.message);
  if (m) throw usageError('ERR_USAGE', `unknown option ${m[1]}; see "ptunnel --help"`, err);
  const missing = /Option '([^']+)' argument missing/.exec(err.message);
  if (missing) throw usageError('ERR_USAGE', `option ${(missing[1] as string).replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value; see "ptunnel --help"`, err);
  const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(err.message);
  if (ambiguous) throw usageError('ERR_USAGE', `option ${ambiguous[1]} takes a value; write it as ${(ambiguous[1] as string).split(', ').pop()}=VALUE`, err);
  throw usageError('ERR_USAGE', `${err.message.split('\n')[0]}; see "ptunnel --help"`, err);
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: argv, options: options(), allowPositionals: true, strict: true });
  } catch (err) {
    argsError(err as Error);
  }
  const values = parsed.values as Record<string, unknown>;
  const flags: Record<string, unknown> = {};
  for (const [key, s] of SETTING_FLAGS) {
    const value = values[s.arg as string];
    if (Array.isArray(value)) flags[key] = value.flatMap((v: string) => v.split(/[\s,]+/)).filter((v) => v !== '');
    else if (value !== undefined) flags[key] = value;
  }
  const result: ParsedArgs = {
    flags,
    positionals: parsed.positionals,
    printConfig: values['print-config'] === true,
    verbosity: Array.isArray(values.verbose) ? values.verbose.length : 0,
    quiet: values.quiet === true,
    help: values.help === true,
    version: values.version === true,
  };
  if (typeof values.config === 'string') result.configFile = values.config;
  return result;
}

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

export function helpText(): string {
  const rows: Array<[string, string]> = [];
  for (const [, s] of SETTING_FLAGS) {
    const arg = s.arg as string;
    const short = SHORT[arg];
    const name = `${short ? `-${short}, ` : '    '}--${arg} ${arg.includes('file') || arg === 'proxy-ca' ? 'FILE' : 'VALUE'}`;
    const dflt = s.default === null || (Array.isArray(s.default) && s.default.length === 0) ? '' : ` [default: ${String(s.default)}]`;
    rows.push([name, `${s.doc}${dflt} (env ${s.env})`]);
  }
  rows.push(['-c, --config FILE', 'Read settings from a JSON or YAML file (flags win over env, env over the file).']);
  rows.push(['    --print-config', 'Print the effective configuration as JSON, secrets masked, and exit.']);
  rows.push(['-v, --verbose', 'More logging: -v debug, -vv trace.']);
  rows.push(['-q, --quiet', 'Log errors only.']);
  rows.push(['-h, --help', 'Show this help and exit.']);
  rows.push(['-V, --version', 'Print the version and exit.']);
  const width = Math.max(...rows.map(([n]) => n.length)) + 2;
  const options = rows.map(([n, d]) => `  ${n.padEnd(width)}${wrap(d, width + 2)}`).join('\n');
  return `Usage: ptunnel [options] LOCAL_PORT:HOST:PORT [...]
       ptunnel [options] BIND_ADDR:LOCAL_PORT:HOST:PORT [...]
       ptunnel [options] --preset NAME [--preset NAME ...] [mappings ...]
       ptunnel presets [show NAME]           (ptunnel presets --help)
       ptunnel hosts --preset NAME [--apply | --remove] [--file PATH]   (ptunnel hosts --help)
       ptunnel resolve NAME [--dns LIST]     (what ptunnel's own resolver answers)
       ptunnel health [--admin ADDR:PORT]    (exit 0 when /readyz answers 200)

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
