import type { CommandIo } from '../commands/io';
import { parseOptions, ParsedOptions } from './args';
import { Command, COMMANDS, RUN } from './commands';
import { EXIT_OK, exitCodeFor, userError } from './exit-codes';
import { sanitizeLine, sanitizeLines } from '../log/sanitize';
import { version } from './runtime';

const processIo: CommandIo = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
};

/** The command argv names, with argv parsed once by that command's options. */
function select(argv: string[]): { command: Command; parsed: ParsedOptions } {
  const named = COMMANDS.find((c) => c !== RUN && c.name === argv[0]);
  if (named) return { command: named, parsed: parseOptions(argv.slice(1), named.options, named.name, named.allowPositionals) };
  const parsed = parseOptions(argv, RUN.options);
  // A command that takes the tunnel options may also come after them: "ptunnel -v resolve NAME".
  const later = COMMANDS.find((c) => c !== RUN && c.options === RUN.options && c.name === parsed.positionals[0]);
  if (later) return { command: later, parsed: { values: parsed.values, positionals: parsed.positionals.slice(1) } };
  return { command: RUN, parsed };
}

/** Runs the command argv names; bad input throws, as a PtunnelError marked userError. */
export async function dispatch(argv: string[], io: CommandIo): Promise<number> {
  const { command, parsed } = select(argv);
  if (parsed.values.help === true) {
    io.stdout(command.help());
    return EXIT_OK;
  }
  if (parsed.values.version === true) {
    io.stdout(`ptunnel ${version()}\n`);
    return EXIT_OK;
  }
  return command.execute(parsed, io);
}

/** The whole CLI: a user error is one line without a stack; the exit status comes from the table. */
export async function main(argv: string[], io: CommandIo = processIo): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const user = userError(err);
    // Messages quote names and values from the command line, files and the environment.
    if (user) io.stderr(`ptunnel: ${sanitizeLine(user.message)}\n`);
    else io.stderr(`ptunnel: unexpected error: ${sanitizeLines(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    return exitCodeFor(err);
  }
}
