#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { helpText, parseCommandLine, ParsedArgs } from './cli/args';
import { LogLevel, loadConfig, RuntimeConfig } from './config/load';
import { printableConfig } from './config/print';
import { runResolve } from './commands/resolve';
import { runHosts } from './commands/hosts';
import { runPresets } from './commands/presets';
import { runService } from './commands/run';
import type { CommandIo } from './commands/args';
import { runHealth } from './commands/health';
import { PtunnelError, usageError } from './errors';
import { createLogger, Logger } from './log/logger';

export type Io = CommandIo;

const defaultIo: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
};

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function effectiveLevel(args: ParsedArgs, configured: LogLevel): LogLevel {
  if (args.quiet) return 'error';
  if (args.verbosity >= 2) return 'trace';
  if (args.verbosity === 1) return 'debug';
  return configured;
}

export function makeLogger(config: RuntimeConfig, args: ParsedArgs, io: Io): Logger {
  const format = config.log.format === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : config.log.format;
  return createLogger({ level: effectiveLevel(args, config.log.level), format, write: io.stderr });
}

/** Loads the configuration for a command that runs tunnels: flags, env and file combined. */
export function configFromArgs(args: ParsedArgs, io: Io, tunnelArgs: string[]): RuntimeConfig {
  const flags = { ...args.flags };
  if (tunnelArgs.length > 0) flags.tunnels = tunnelArgs;
  const options: Parameters<typeof loadConfig>[0] = { flags, env: io.env };
  if (args.configFile !== undefined) options.configFile = args.configFile;
  return loadConfig(options);
}

async function runTunnels(args: ParsedArgs, io: Io): Promise<number> {
  const config = configFromArgs(args, io, args.positionals);
  if (args.printConfig) {
    io.stdout(`${JSON.stringify(printableConfig(config), null, 2)}\n`);
    return 0;
  }
  return runService({
    config,
    logger: makeLogger(config, args, io),
    version: version(),
    reloadConfig: () => configFromArgs(args, io, args.positionals),
  });
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  try {
    // These commands have options of their own, which the tunnel option table would refuse.
    if (argv[0] === 'presets') return await runPresets(argv.slice(1), io);
    if (argv[0] === 'hosts') return await runHosts(argv.slice(1), io);
    if (argv[0] === 'health') return await runHealth(argv.slice(1), io);
    const args = parseCommandLine(argv);
    if (args.help) {
      io.stdout(helpText());
      return 0;
    }
    if (args.version) {
      io.stdout(`ptunnel ${version()}\n`);
      return 0;
    }
    const [first] = args.positionals;
    if (first === 'resolve') return await runResolve(argv, io);
    if (first !== undefined && !first.includes(':')) {
      throw usageError('ERR_USAGE', `unknown command "${first}"; tunnels are written LOCAL_PORT:HOST:PORT, see "ptunnel --help"`);
    }
    return await runTunnels(args, io);
  } catch (err) {
    if (err instanceof PtunnelError && err.userError) {
      io.stderr(`ptunnel: ${err.message}\n`);
      return err.code === 'ERR_LISTEN' ? 1 : 2;
    }
    io.stderr(`ptunnel: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
    // Everything is closed by now, so the process ends by itself; should a straggler hold the
    // event loop, this timer (which alone would not) ends it.
    setTimeout(() => process.exit(code), 500).unref();
  });
}
