import { checkArgs, systemdWord } from './quote';
import { DESCRIPTION, ServiceSpec } from './spec';

/** Where systemd reads the unit: the user's unit directory or /etc/systemd/system. */
export function systemdUnitPath(system: boolean, home: string, env: NodeJS.ProcessEnv): string {
  if (system) return '/etc/systemd/system/ptunnel.service';
  const config = env.XDG_CONFIG_HOME || `${home}/.config`;
  return `${config}/systemd/user/ptunnel.service`;
}

/** --proxy-password-file PATH (or =PATH): a root-only file the dynamic user gets as a credential. */
function passwordFile(args: readonly string[]): { index: number; file: string; joined: boolean } | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--proxy-password-file' && i + 1 < args.length) return { index: i, file: args[i + 1] as string, joined: false };
    if (a.startsWith('--proxy-password-file=')) return { index: i, file: a.slice('--proxy-password-file='.length), joined: true };
  }
  return undefined;
}

const HARDENING = `# Hardening: ptunnel only listens on and dials TCP; it writes nothing.
DynamicUser=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
PrivateDevices=yes
PrivateUsers=yes
ProtectHostname=yes
ProtectClock=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectProc=invisible
ProcSubset=pid
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# node's JIT needs writable+executable memory, so no MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
UMask=0077
LimitNOFILE=65536
`;

/**
 * A systemd unit that runs ptunnel with the user's arguments: a user unit (systemctl --user,
 * started with the login session) or, with `system`, a hardened system unit under a dynamic
 * user, which gets a --proxy-password-file as a systemd credential (the file may stay root-only).
 */
export function systemdUnit(spec: ServiceSpec): string {
  checkArgs([...spec.command, ...spec.args]);
  const words = [...spec.command, ...spec.args].map(systemdWord);
  const extra: string[] = [];
  const pw = spec.system ? passwordFile(spec.args) : undefined;
  if (pw) {
    // %d is the unit's credentials directory: a specifier, so written unquoted-as-is.
    const at = spec.command.length + pw.index;
    if (pw.joined) words[at] = '"--proxy-password-file=%d/proxy-password"';
    else words[at + 1] = '"%d/proxy-password"';
    extra.push(`LoadCredential=proxy-password:${pw.file.replace(/%/g, '%%')}`);
  }
  const lines = [
    '# Written by "ptunnel service install"; "ptunnel service uninstall" removes it.',
    '[Unit]',
    `Description=${DESCRIPTION}`,
    'Documentation=https://github.com/ptunnel/ptunnel',
    ...(spec.system ? ['Wants=network-online.target', 'After=network-online.target'] : ['After=network.target']),
    '',
    '[Service]',
    'Type=simple',
    ...extra,
    `ExecStart=${words.join(' ')}`,
    'ExecReload=/bin/kill -HUP $MAINPID',
    '# ptunnel drains for --shutdown-timeout (30 s by default) on SIGTERM',
    'TimeoutStopSec=40',
    'KillMode=mixed',
    'Restart=on-failure',
    'RestartSec=2s',
  ];
  if (spec.system) lines.push('', HARDENING.trimEnd());
  lines.push('', '[Install]', `WantedBy=${spec.system ? 'multi-user.target' : 'default.target'}`, '');
  return lines.join('\n');
}
