import { checkArgs, xmlText } from './quote';
import { ServiceSpec } from './spec';

export const LAUNCHD_LABEL = 'io.github.ptunnel';

/** ~/Library/LaunchAgents for the user's login, /Library/LaunchDaemons system-wide. */
export function launchdPlistPath(system: boolean, home: string): string {
  return system ? `/Library/LaunchDaemons/${LAUNCHD_LABEL}.plist` : `${home}/Library/LaunchAgents/${LAUNCHD_LABEL}.plist`;
}

/**
 * A launchd job that runs ptunnel at login (LaunchAgent) or at boot (LaunchDaemon), restarted
 * when it exits with an error. ProgramArguments is an array, so no shell quoting is involved.
 */
export function launchdPlist(spec: ServiceSpec, logFile: string): string {
  checkArgs([...spec.command, ...spec.args]);
  const argv = [...spec.command, ...spec.args].map((a) => `    <string>${xmlText(a)}</string>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by "ptunnel service install"; "ptunnel service uninstall" removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...argv,
    '  </array>',
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ThrottleInterval</key>',
    '  <integer>5</integer>',
    '  <key>ExitTimeOut</key>',
    '  <integer>40</integer>',
    '  <key>StandardErrorPath</key>',
    `  <string>${xmlText(logFile)}</string>`,
    '  <key>StandardOutPath</key>',
    `  <string>${xmlText(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
