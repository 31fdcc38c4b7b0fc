import { parseArgs, ParseArgsConfig } from 'node:util';
import { usageError } from '../errors';

/** Where a command writes and what environment it sees; tests pass their own. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs for a sub-command, its developer-worded failures turned into one usage line. */
export function parseCommandArgs(argv: string[], options: Options, command: string): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (err) {
    const first = (err as Error).message.split('\n')[0] ?? '';
    const unknown = /Unknown option '([^']+)'/.exec(first);
    const detail = unknown ? `unknown option ${unknown[1]}` : first.replace(/\.$/, '');
    throw usageError('ERR_USAGE', `${command}: ${detail}; see "ptunnel ${command} --help"`, err);
  }
}

/** Repeated flags and comma lists alike: `--preset a,b --preset c`. */
export function listValue(value: unknown): string[] {
  const items = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return items.flatMap((v) => String(v).split(/[\s,]+/)).filter((v) => v !== '');
}
