import { usageError } from '../errors';
import { checkArgs, windowsArg, xmlText } from './quote';
import { DESCRIPTION, ServiceSpec } from './spec';

export const TASK_NAME = 'ptunnel';

/**
 * A Task Scheduler task (schtasks /Create /XML) that starts ptunnel when `user` logs on, as that
 * user with an interactive token: not LocalSystem, so ptunnel keeps the user's Kerberos tickets
 * for Negotiate single sign-on. Restarted on failure, no time limit, hidden, on battery too.
 */
export function windowsTask(spec: ServiceSpec, user: string): string {
  checkArgs([...spec.command, ...spec.args]);
  // Task Scheduler expands %NAME% in Command and Arguments when NAME is set, and has no escape
  // for it: such an argument would reach ptunnel changed on one machine and not on another.
  const expanded = [...spec.command, ...spec.args].find((a) => /%[^%\s]+%/.test(a));
  if (expanded !== undefined) {
    throw usageError('ERR_USAGE', `service: argument ${JSON.stringify(expanded)} holds %NAME%, which Task Scheduler replaces with an environment variable and cannot escape; put that value in a config file (--config) instead`);
  }
  const [program, ...fixed] = spec.command as [string, ...string[]];
  const args = [...fixed, ...spec.args].map(windowsArg).join(' ');
  const u = xmlText(user);
  return [
    '<?xml version="1.0" encoding="UTF-16"?>',
    '<!-- Written by "ptunnel service install"; "ptunnel service uninstall" removes it. -->',
    '<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">',
    '  <RegistrationInfo>',
    `    <Description>${xmlText(DESCRIPTION)}</Description>`,
    `    <URI>\\${TASK_NAME}</URI>`,
    '  </RegistrationInfo>',
    '  <Triggers>',
    '    <LogonTrigger>',
    '      <Enabled>true</Enabled>',
    `      <UserId>${u}</UserId>`,
    '    </LogonTrigger>',
    '  </Triggers>',
    '  <Principals>',
    '    <Principal id="Author">',
    `      <UserId>${u}</UserId>`,
    '      <LogonType>InteractiveToken</LogonType>',
    '      <RunLevel>LeastPrivilege</RunLevel>',
    '    </Principal>',
    '  </Principals>',
    '  <Settings>',
    '    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>',
    '    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>',
    '    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>',
    '    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>',
    '    <RestartOnFailure>',
    '      <Interval>PT1M</Interval>',
    '      <Count>999</Count>',
    '    </RestartOnFailure>',
    '    <Hidden>true</Hidden>',
    '  </Settings>',
    '  <Actions Context="Author">',
    '    <Exec>',
    `      <Command>${xmlText(program)}</Command>`,
    ...(args === '' ? [] : [`      <Arguments>${xmlText(args)}</Arguments>`]),
    '    </Exec>',
    '  </Actions>',
    '</Task>',
    '',
  ].join('\n');
}
