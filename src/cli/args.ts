import { parseArgs, ParseArgsConfig } from 'node:util';
import { usageError } from '../errors';
import { SettingDoc, settings } from '../config/schema';

export type OptionTable = NonNullable<ParseArgsConfig['options']>;

/** What parseArgs gives back, before any command reads it. */
export interface ParsedOptions {
  values: Record<string, unknown>;
  positionals: string[];
}

/** Short forms kept from the original ptunnel command line. */
export const SHORT: Record<string, string> = { proxy: 'p', user: 'U', password: 'P', listen: 'l' };

/** Flags that are not settings: they steer the command itself. */
const COMMAND_FLAGS = {
  config: { type: 'string', short: 'c' },
  'print-config': { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

export const HELP_FLAG: OptionTable = { help: { type: 'boolean', short: 'h' } };

/** The settings that have a flag, in schema order, keyed by dotted setting name. */
export const SETTING_FLAGS: ReadonlyArray<[string, SettingDoc]> = settings().filter(([, s]) => s.arg !== undefined);
const BY_KEY = new Map(SETTING_FLAGS);

/** The flags of the named settings (all of them by default), as the schema names them. */
export function settingOptions(keys: string[] = SETTING_FLAGS.map(([k]) => k)): OptionTable {
  const opts: OptionTable = {};
  for (const key of keys) {
    const s = BY_KEY.get(key);
    if (s === undefined) throw new Error(`setting ${key} has no flag`);
    const arg = s.arg as string;
    const short = SHORT[arg];
    // List settings (--preset) may be repeated; each value may also be a comma list.
    const multiple = s.format === 'string-list' || s.repeatable === true;
    opts[arg] = short ? { type: 'string', short, multiple } : { type: 'string', multiple };
  }
  return opts;
}

/** The option table of the tunnel command (and of resolve, which takes the same settings). */
export const TUNNEL_OPTIONS: OptionTable = { ...COMMAND_FLAGS, ...settingOptions() };

/** Settings given as flags, keyed by dotted setting name; list values split. */
export function settingFlags(values: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const [key, s] of SETTING_FLAGS) {
    const value = values[s.arg as string];
    if (Array.isArray(value)) flags[key] = s.format === 'string-list' ? listValue(value) : listValue(value).join(',');
    else if (value !== undefined) flags[key] = value;
  }
  return flags;
}

/** Repeated flags and comma lists alike: `--preset a,b --preset c`. */
export function listValue(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.flatMap((v) => String(v).split(/[\s,]+/)).filter((v) => v !== '');
}

/** One line for parseArgs' messages, which are written for developers. */
function optionError(err: Error, command: string | undefined): never {
  const first = err.message.split('\n')[0] ?? '';
  const prefix = command === undefined ? '' : `${command}: `;
  const hint = `see "ptunnel ${command === undefined ? '' : `${command} `}--help"`;
  const unknown = /Unknown option '([^']+)'/.exec(first);
  if (unknown) throw usageError('ERR_USAGE', `${prefix}unknown option ${unknown[1]}; ${hint}`, err);
  const missing = /Option '([^']+)' argument missing/.exec(first);
  if (missing) throw usageError('ERR_USAGE', `${prefix}option ${(missing[1] as string).replace(/^-\w, /, '').replace(/ <value>$/, '')} needs a value; ${hint}`, err);
  const ambiguous = /Option '([^']+)' argument is ambiguous/.exec(first);
  if (ambiguous) throw usageError('ERR_USAGE', `${prefix}option ${ambiguous[1]} takes a value; write it as ${(ambiguous[1] as string).split(', ').pop()}=VALUE`, err);
  throw usageError('ERR_USAGE', `${prefix}${first.replace(/\.$/, '')}; ${hint}`, err);
}

/**
 * parseArgs, strict, its failures turned into one usage line that points at the command's help
 * (`command` undefined: the tunnel command, whose help is "ptunnel --help").
 */
export function parseOptions(argv: string[], options: OptionTable, command?: string, allowPositionals = true): ParsedOptions {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals, strict: true });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (err) {
    optionError(err as Error, command);
  }
}

/** The tunnel command line, read: settings as flags plus the flags that steer the command. */
export interface ParsedArgs {
  /** Settings given as flags, keyed by dotted setting name. */
  flags: Record<string, unknown>;
  positionals: string[];
  configFile?: string;
  printConfig: boolean;
  verbosity: number;
  quiet: boolean;
}

export function tunnelArgs({ values, positionals }: ParsedOptions): ParsedArgs {
  const result: ParsedArgs = {
    flags: settingFlags(values),
    positionals,
    printConfig: values['print-config'] === true,
    verbosity: Array.isArray(values.verbose) ? values.verbose.length : 0,
    quiet: values.quiet === true,
  };
  if (typeof values.config === 'string') result.configFile = values.config;
  return result;
}

export function parseCommandLine(argv: string[]): ParsedArgs {
  return tunnelArgs(parseOptions(argv, TUNNEL_OPTIONS));
}
