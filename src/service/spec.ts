/** What a service file starts: the program (node or the one-file executable) and its arguments. */
export interface ServiceSpec {
  /** Absolute path of the program, then its fixed arguments (dist/main.js when run by node). */
  command: readonly string[];
  /** The user's ptunnel arguments, after "--". */
  args: readonly string[];
  /** System-wide (systemd system unit, launchd daemon) rather than the user's login session. */
  system: boolean;
}

export const SERVICE_NAME = 'ptunnel';
export const DESCRIPTION = 'ptunnel: TCP through an HTTP CONNECT proxy (IMAP, SMTP, SSH)';
