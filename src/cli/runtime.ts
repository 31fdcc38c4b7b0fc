import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadOptions, LogLevel, loadConfig, RuntimeConfig } from '../config/load';
import { settings } from '../config/schema';
import type { CommandIo } from '../commands/io';
import { createLogger, Logger } from '../log/logger';
import { seaAsset } from '../util/sea';
import { listValue, ParsedArgs } from './args';

/** `--proxy system` only: the desktop readers are required when it is given (start-up time). */
function readSystemProxy(env: NodeJS.ProcessEnv): ReturnType<typeof import('../proxy/discovery/system').readSystemProxy> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../proxy/discovery/system') as typeof import('../proxy/discovery/system')).readSystemProxy(env);
}

export function version(): string {
  // src/cli/ and dist/cli/ alike sit two levels below the package root; the one-file executable
  // carries package.json as an asset.
  const text = seaAsset('package.json') ?? readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8');
  const pkg = JSON.parse(text) as { version: string };
  return pkg.version;
}

function effectiveLevel(args: ParsedArgs, configured: LogLevel): LogLevel {
  if (args.quiet) return 'error';
  if (args.verbosity >= 2) return 'trace';
  if (args.verbosity === 1) return 'debug';
  return configured;
}

/** The level and format a configuration asks for, -v and -q winning over the level; SIGHUP re-applies it. */
export function logSettings(config: RuntimeConfig, args: ParsedArgs): { level: LogLevel; format: 'text' | 'json' } {
  const format = config.log.format === 'auto' ? (process.stderr.isTTY ? 'text' : 'json') : config.log.format;
  return { level: effectiveLevel(args, config.log.level), format };
}

export function makeLogger(config: RuntimeConfig, args: ParsedArgs, io: CommandIo): Logger {
  return createLogger({ ...logSettings(config, args), write: io.stderr });
}

/** The whole configuration, for the commands that take every setting: flags, env and file combined. */
export function configFromArgs(args: ParsedArgs, io: CommandIo, tunnelArgs: string[]): RuntimeConfig {
  const flags = { ...args.flags };
  if (tunnelArgs.length > 0) flags.tunnels = tunnelArgs;
  const options: LoadOptions = { flags, env: io.env, systemProxy: () => readSystemProxy(io.env) };
  if (args.configFile !== undefined) options.configFile = args.configFile;
  return loadConfig(options);
}

const SETTINGS = new Map(settings());

/**
 * One setting for a command that reads only a few (presets, hosts, health), with the same
 * precedence as the whole configuration: its flag, else its environment variable as the schema
 * names it. Loading everything instead would let an unrelated setting (a bad PTUNNEL_PROXY, a
 * preset that no longer exists) break "ptunnel health" or "ptunnel hosts --remove".
 */
function setting(key: string, flags: Record<string, unknown>, env: NodeJS.ProcessEnv): unknown {
  if (flags[key] !== undefined) return flags[key];
  const name = SETTINGS.get(key)?.env;
  if (name === undefined) throw new Error(`setting ${key} has no environment variable`);
  return env[name];
}

export function stringSetting(key: string, flags: Record<string, unknown>, env: NodeJS.ProcessEnv): string | undefined {
  const value = setting(key, flags, env);
  return value === undefined ? undefined : String(value);
}

export function listSetting(key: string, flags: Record<string, unknown>, env: NodeJS.ProcessEnv): string[] {
  return listValue(setting(key, flags, env));
}
