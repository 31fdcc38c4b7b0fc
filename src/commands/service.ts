import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { usageError } from '../errors';
import { LAUNCHD_LABEL, launchdPlist, launchdPlistPath } from '../service/launchd';
import { ServiceSpec } from '../service/spec';
import { systemdUnit, systemdUnitPath } from '../service/systemd';
import { TASK_NAME, windowsTask } from '../service/windows';
import type { CommandIo } from './io';

export type ServiceAction = 'install' | 'uninstall' | 'status';

export interface ServiceInput {
  action: ServiceAction;
  dryRun: boolean;
  spec: ServiceSpec;
  platform: NodeJS.Platform;
  home: string;
  /** The user Task Scheduler runs the task as (DOMAIN\user), on Windows. */
  user: string;
  uid: number;
}

interface Plan {
  /** Where the file goes and what it holds. */
  file: string;
  text: string;
  /** Bytes as written (Task Scheduler reads UTF-16 XML). */
  bytes: Buffer;
  install: string[][];
  uninstall: string[][];
  status: string[];
  /** One line for the user after install: where the logs are, what to check. */
  after: string;
}

function plan(input: ServiceInput, io: CommandIo): Plan {
  const { spec, home } = input;
  if (input.platform === 'darwin') {
    const file = launchdPlistPath(spec.system, home);
    const log = spec.system ? '/Library/Logs/ptunnel.log' : `${home}/Library/Logs/ptunnel.log`;
    const text = launchdPlist(spec, log);
    const domain = spec.system ? 'system' : `gui/${input.uid}`;
    return {
      file,
      text,
      bytes: Buffer.from(text, 'utf8'),
      install: [['launchctl', 'bootstrap', domain, file]],
      uninstall: [['launchctl', 'bootout', `${domain}/${LAUNCHD_LABEL}`]],
      status: ['launchctl', 'print', `${domain}/${LAUNCHD_LABEL}`],
      after: `logs: ${log}`,
    };
  }
  if (input.platform === 'win32') {
    if (spec.system) {
      throw usageError('ERR_USAGE', 'service --system: on Windows ptunnel runs as a per-user logon task (LocalSystem would lose your Kerberos single sign-on); drop --system');
    }
    const text = windowsTask(spec, input.user);
    const base = io.env.LOCALAPPDATA || `${home}\\AppData\\Local`;
    const file = `${base}\\ptunnel\\ptunnel-task.xml`;
    return {
      file,
      text,
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
      install: [
        ['schtasks', '/Create', '/TN', TASK_NAME, '/XML', file, '/F'],
        ['schtasks', '/Run', '/TN', TASK_NAME],
      ],
      uninstall: [['schtasks', '/Delete', '/TN', TASK_NAME, '/F']],
      status: ['schtasks', '/Query', '/TN', TASK_NAME, '/V', '/FO', 'LIST'],
      after: `the task "${TASK_NAME}" starts at your logon; see it in Task Scheduler`,
    };
  }
  if (input.platform !== 'linux') throw usageError('ERR_USAGE', `service: ${input.platform} is not supported; Linux (systemd), macOS (launchd) and Windows (Task Scheduler) are`);
  const ctl = spec.system ? ['systemctl'] : ['systemctl', '--user'];
  const text = systemdUnit(spec);
  return {
    file: systemdUnitPath(spec.system, home, io.env),
    text,
    bytes: Buffer.from(text, 'utf8'),
    install: [
      [...ctl, 'daemon-reload'],
      [...ctl, 'enable', '--now', 'ptunnel.service'],
    ],
    uninstall: [[...ctl, 'disable', '--now', 'ptunnel.service']],
    status: [...ctl, 'status', 'ptunnel.service'],
    after: `logs: journalctl ${spec.system ? '' : '--user '}-u ptunnel`,
  };
}

function run(argv: string[], io: CommandIo, allowFail = false): number {
  const [cmd, ...rest] = argv as [string, ...string[]];
  const r = spawnSync(cmd, rest, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.stdout) io.stdout(r.stdout);
  if (r.stderr) io.stderr(r.stderr);
  if (r.error) throw usageError('ERR_USAGE', `service: cannot run ${cmd}: ${r.error.message}`);
  const status = r.status ?? 1;
  if (status !== 0 && !allowFail) throw usageError('ERR_USAGE', `service: "${argv.join(' ')}" failed with status ${status}; see its message above`);
  return status;
}

/**
 * `ptunnel service install|uninstall|status [--system] [--dry-run] -- ARGS...`: writes and
 * enables the file that starts "ptunnel ARGS..." at login (systemd user unit, launchd agent,
 * Task Scheduler logon task), removes it, or asks the service manager about it. --dry-run
 * prints the file and the commands instead.
 */
export async function runServiceCommand(input: ServiceInput, io: CommandIo): Promise<number> {
  const p = plan(input, io);
  if (input.dryRun) {
    if (input.action === 'install') io.stdout(p.text);
    const steps = input.action === 'install' ? p.install : input.action === 'uninstall' ? [...p.uninstall, ['rm', p.file]] : [p.status];
    io.stderr(`# --dry-run: nothing written or run; ${input.action} would use ${p.file}\n${steps.map((s) => `# and run: ${s.join(' ')}`).join('\n')}\n`);
    return 0;
  }
  if (input.action === 'status') return run(p.status, io, true);
  if (input.action === 'install') {
    mkdirSync(dirname(p.file), { recursive: true });
    writeFileSync(p.file, p.bytes, { mode: 0o644 });
    io.stderr(`wrote ${p.file}\n`);
    for (const step of p.install) run(step, io);
    io.stderr(`ptunnel service installed and started; ${p.after}\n`);
    return 0;
  }
  for (const step of p.uninstall) run(step, io, true);
  rmSync(p.file, { force: true });
  if (input.platform === 'linux') run([...(input.spec.system ? ['systemctl'] : ['systemctl', '--user']), 'daemon-reload'], io, true);
  io.stderr(`removed ${p.file}\n`);
  return 0;
}
