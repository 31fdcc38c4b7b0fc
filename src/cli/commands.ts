import { realpathSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { parseAdminAddress } from '../config/admin';
import type { RuntimeConfig } from '../config/load';
import { inSetting } from '../config/setting';
import type { HealthInput } from '../commands/health';
import type { HostsInput } from '../commands/hosts';
import type { CommandIo } from '../commands/io';
import type { PresetsInput } from '../commands/presets';
import type { ProxyForInput } from '../commands/proxy-for';
import type { ResolveInput } from '../commands/resolve';
import { runService } from '../commands/run';
import type { ServiceInput } from '../commands/service';
import type { StatusInput } from '../commands/status';
import type { DoctorInput } from '../commands/doctor';
import { inContext, usageError } from '../errors';
import { isPortText, parseHostPort, validateHost } from '../net/address';
import { parseLocalPorts } from '../presets/local-ports';
import { PRESET_NAME } from '../presets/schema';
import { parseDuration } from '../util/duration';
import { ipFamily } from '../util/ip';
import { isSea } from '../util/sea';
import { HELP_FLAG, OptionTable, ParsedArgs, parseCommandLine, ParsedOptions, settingFlags, settingOptions, TUNNEL_OPTIONS, tunnelArgs } from './args';
import { configFromArgs, listSetting, logSettings, makeLogger, stringSetting, version } from './runtime';

/* eslint-disable @typescript-eslint/no-require-imports -- each is required when asked for: a run that starts tunnels loads none (start-up time) */
const helpTexts = () => require('./help') as typeof import('./help');
const printableConfig = (config: RuntimeConfig) => (require('../config/print') as typeof import('../config/print')).printableConfig(config);
const defaultHostsPath = () => (require('../hosts/file') as typeof import('../hosts/file')).defaultHostsPath();
/* eslint-enable @typescript-eslint/no-require-imports */

/** A sub-command as the dispatcher sees it: parse with `options`, answer --help, run. */
export interface Command {
  name: string;
  help(): string;
  options: OptionTable;
  /** Whether it takes positional arguments (health takes none). */
  allowPositionals: boolean;
  execute(parsed: ParsedOptions, io: CommandIo): Promise<number>;
}

interface CommandSpec<I> extends Omit<Command, 'execute'> {
  /** The parsed command line and the environment turned into the handler's typed input; throws on bad input. */
  input(parsed: ParsedOptions, io: CommandIo): I;
  handler(input: I, io: CommandIo): Promise<number>;
}

function command<I>({ input, handler, ...rest }: CommandSpec<I>): Command {
  return { ...rest, execute: async (parsed, io) => handler(input(parsed, io), io) };
}

function runInput(parsed: ParsedOptions): ParsedArgs {
  const args = tunnelArgs(parsed);
  const [first] = args.positionals;
  if (first !== undefined && !first.includes(':')) {
    throw usageError('ERR_USAGE', `unknown command "${first}"; tunnels are written LOCAL_PORT:HOST:PORT, see "ptunnel --help"`);
  }
  return args;
}

async function runTunnels(args: ParsedArgs, io: CommandIo): Promise<number> {
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
    logSettings: (c) => logSettings(c, args),
  });
}

function resolveInput(parsed: ParsedOptions, io: CommandIo): ResolveInput {
  const args = tunnelArgs(parsed);
  if (args.positionals.length !== 1) {
    throw usageError('ERR_USAGE', 'resolve takes one host name, e.g. "ptunnel resolve imap.gmail.com --dns 1.1.1.1"');
  }
  const name = validateHost(args.positionals[0] as string, 'name');
  return { name, config: configFromArgs(args, io, []), verbosity: args.verbosity };
}

function doctorInput(parsed: ParsedOptions, io: CommandIo): DoctorInput {
  const { values } = parsed;
  const args = tunnelArgs({ values: { ...values, json: undefined, 'hosts-file': undefined }, positionals: parsed.positionals });
  if (args.positionals.length > 0) throw usageError('ERR_USAGE', `doctor: unexpected argument "${args.positionals[0]}"; name presets with --preset NAME`);
  const flags = settingFlags(values);
  return {
    config: configFromArgs(args, io, []),
    presets: [...new Set(listSetting('presets', flags, io.env).map((n) => n.toLowerCase()))],
    presetsDir: stringSetting('presetsDir', flags, io.env) ?? null,
    hostsFile: (values['hosts-file'] as string | undefined) ?? defaultHostsPath(),
    json: values.json === true,
    env: io.env,
  };
}

function proxyForInput(parsed: ParsedOptions, io: CommandIo): ProxyForInput {
  const args = tunnelArgs(parsed);
  const hint = 'proxy-for takes one HOST:PORT, e.g. "ptunnel proxy-for imap.gmail.com:993 --pac http://wpad.corp.example/wpad.dat"';
  if (args.positionals.length !== 1) throw usageError('ERR_USAGE', hint);
  const text = args.positionals[0] as string;
  const hp = parseHostPort(text);
  const port = Number(hp?.port);
  if (!hp || !isPortText(hp.port) || !(port >= 1 && port <= 65535)) throw usageError('ERR_USAGE', `${hint}; got ${JSON.stringify(text)}`);
  const host = validateHost(hp.host, 'host');
  return { host, port, config: configFromArgs(args, io, []), verbosity: args.verbosity };
}

const DEFAULT_ADDRESS = '127.0.0.1';

function addressOption(values: Record<string, unknown>, command: string): string {
  const address = (values.address as string | undefined) ?? DEFAULT_ADDRESS;
  if (!ipFamily(address)) throw usageError('ERR_USAGE', `${command}: --address "${address}" is not an IP address`);
  return address;
}

function presetsInput({ values, positionals }: ParsedOptions, io: CommandIo): PresetsInput {
  const flags = settingFlags(values);
  const presetsDir = stringSetting('presetsDir', flags, io.env) ?? null;
  const [action, name, ...extra] = positionals;
  if (action === undefined || action === 'list') {
    if (name !== undefined) throw usageError('ERR_USAGE', `presets: unexpected argument "${name}"; see "ptunnel presets --help"`);
    return { action: 'list', presetsDir };
  }
  if (action !== 'show') throw usageError('ERR_USAGE', `presets: unknown action "${action}"; use "ptunnel presets" or "ptunnel presets show NAME"`);
  if (name === undefined) throw usageError('ERR_USAGE', 'presets show: which preset? e.g. "ptunnel presets show gmail"');
  if (extra.length > 0 && values.socks === true) {
    throw usageError('ERR_USAGE', `presets show: unexpected argument "${extra[0]}"; here --socks takes no value (it shows the set-up for ptunnel --socks 1080; --address IP sets the host)`);
  }
  if (extra.length > 0) throw usageError('ERR_USAGE', `presets show: unexpected argument "${extra[0]}"; show one preset at a time`);
  const localPorts = inSetting('localPorts', () => parseLocalPorts(stringSetting('localPorts', flags, io.env) ?? 'preset'));
  return { action: 'show', name, presetsDir, localPorts, address: addressOption(values, 'presets show'), socks: values.socks === true };
}

function hostsInput({ values, positionals }: ParsedOptions, io: CommandIo): HostsInput {
  if (positionals.length > 0) throw usageError('ERR_USAGE', `hosts: unexpected argument "${positionals[0]}"; name presets with --preset NAME`);
  if (values.apply === true && values.remove === true) throw usageError('ERR_USAGE', 'hosts: give --apply or --remove, not both');
  const flags = settingFlags(values);
  const names = [...new Set(listSetting('presets', flags, io.env).map((n) => n.toLowerCase()))];
  if (names.length === 0) throw usageError('ERR_USAGE', 'hosts: which preset? e.g. "ptunnel hosts --preset gmail"');
  const file = (values.file as string | undefined) ?? defaultHostsPath();
  if (values.remove === true) {
    const bad = names.find((n) => !PRESET_NAME.test(n));
    if (bad !== undefined) throw usageError('ERR_USAGE', `hosts: "${bad}" is not a preset name`);
    return { action: 'remove', names, file };
  }
  return {
    action: values.apply === true ? 'apply' : 'print',
    names,
    file,
    address: addressOption(values, 'hosts'),
    presetsDir: stringSetting('presetsDir', flags, io.env) ?? null,
  };
}

const DEFAULT_HEALTH_TIMEOUT = '3s';

/** --admin or PTUNNEL_ADMIN when given; otherwise the command finds ptunnel by its control socket. */
function adminOption(values: Record<string, unknown>, io: CommandIo): { admin?: { host: string; port: number } } {
  const text = stringSetting('admin', settingFlags(values), io.env);
  return text === undefined || text === '' ? {} : { admin: parseAdminAddress(text) };
}

function healthInput({ values }: ParsedOptions, io: CommandIo): HealthInput {
  const timeoutText = (values.timeout as string | undefined) ?? DEFAULT_HEALTH_TIMEOUT;
  return { ...adminOption(values, io), timeoutMs: inContext('timeout', () => parseDuration(timeoutText)), timeoutText };
}

function statusInput({ values }: ParsedOptions, io: CommandIo): StatusInput {
  const timeoutText = (values.timeout as string | undefined) ?? DEFAULT_HEALTH_TIMEOUT;
  return { ...adminOption(values, io), json: values.json === true, timeoutMs: inContext('timeout', () => parseDuration(timeoutText)) };
}

const SERVICE_ACTIONS = ['install', 'uninstall', 'status'] as const;

/** The program a service file starts: this executable, or node with this script, by absolute path. */
function selfCommand(): string[] {
  if (isSea()) return [process.execPath];
  return [process.execPath, realpathSync(process.argv[1] as string)];
}

function serviceInput({ values, positionals }: ParsedOptions, io: CommandIo): ServiceInput {
  const [action, ...args] = positionals;
  const known = SERVICE_ACTIONS.find((a) => a === action);
  if (known === undefined) throw usageError('ERR_USAGE', `service: give install, uninstall or status, e.g. "ptunnel service install -- --preset gmail"`);
  if (known !== 'install' && args.length > 0) throw usageError('ERR_USAGE', `service ${known}: unexpected argument "${args[0]}"`);
  // The arguments must be a valid ptunnel command line now, not at the next login.
  if (known === 'install') inContext('service install', () => parseCommandLine(args));
  const info = userInfo();
  return {
    action: known,
    dryRun: values['dry-run'] === true,
    spec: { command: selfCommand(), args, system: values.system === true },
    platform: process.platform,
    home: io.env.HOME || homedir(),
    user: io.env.USERDOMAIN ? `${io.env.USERDOMAIN}\\${info.username}` : info.username,
    uid: info.uid,
  };
}

/** The default: no name on the command line, only tunnels and settings. */
export const RUN = command({ name: 'run', help: () => helpTexts().tunnelHelp(), options: TUNNEL_OPTIONS, allowPositionals: true, input: runInput, handler: runTunnels });

/**
 * Every sub-command, each declared once: its name, help, options and handler. A handler loads
 * its module when it runs, so that starting the tunnels (the common case, at every login) does
 * not load doctor, hosts, service and the others.
 */
export const COMMANDS: readonly Command[] = [
  RUN,
  // The same options as the tunnel command, so that "ptunnel --dns 1.1.1.1 resolve NAME" works too.
  command({ name: 'resolve', help: () => helpTexts().resolveHelp(), options: TUNNEL_OPTIONS, allowPositionals: true, input: resolveInput, handler: async (input, io) => (await import('../commands/resolve')).runResolve(input, io) }),
  command({ name: 'proxy-for', help: () => helpTexts().proxyForHelp(), options: TUNNEL_OPTIONS, allowPositionals: true, input: proxyForInput, handler: async (input, io) => (await import('../commands/proxy-for')).runProxyFor(input, io) }),
  command({
    name: 'presets',
    help: () => helpTexts().PRESETS_HELP,
    // --socks here is a switch of its own (show the SOCKS set-up), not the listener's [ADDR:]PORT.
    options: { ...settingOptions(['presetsDir', 'localPorts']), address: { type: 'string' }, socks: { type: 'boolean' }, ...HELP_FLAG },
    allowPositionals: true,
    input: presetsInput,
    handler: async (input, io) => (await import('../commands/presets')).runPresets(input, io),
  }),
  command({
    name: 'hosts',
    help: () => helpTexts().hostsHelp(),
    options: {
      ...settingOptions(['presets']),
      apply: { type: 'boolean' },
      remove: { type: 'boolean' },
      file: { type: 'string' },
      address: { type: 'string' },
      ...settingOptions(['presetsDir']),
      ...HELP_FLAG,
    },
    allowPositionals: true,
    input: hostsInput,
    handler: async (input, io) => (await import('../commands/hosts')).runHosts(input, io),
  }),
  command({
    name: 'health',
    help: () => helpTexts().HEALTH_HELP,
    options: { ...settingOptions(['admin']), timeout: { type: 'string' }, ...HELP_FLAG },
    allowPositionals: false,
    input: healthInput,
    handler: async (input, io) => (await import('../commands/health')).runHealth(input, io),
  }),
  command({
    name: 'service',
    help: () => helpTexts().SERVICE_HELP,
    options: { system: { type: 'boolean' }, 'dry-run': { type: 'boolean' }, ...HELP_FLAG },
    allowPositionals: true,
    input: serviceInput,
    handler: async (input, io) => (await import('../commands/service')).runServiceCommand(input, io),
  }),
  command({
    name: 'doctor',
    help: () => helpTexts().DOCTOR_HELP,
    options: { ...TUNNEL_OPTIONS, json: { type: 'boolean' }, 'hosts-file': { type: 'string' } },
    allowPositionals: false,
    input: doctorInput,
    handler: async (input, io) => (await import('../commands/doctor')).runDoctor(input, io),
  }),
  command({
    name: 'status',
    help: () => helpTexts().STATUS_HELP,
    options: { ...settingOptions(['admin']), json: { type: 'boolean' }, timeout: { type: 'string' }, ...HELP_FLAG },
    allowPositionals: false,
    input: statusInput,
    handler: async (input, io) => (await import('../commands/status')).runStatus(input, io),
  }),
];
