/** What the operating system's proxy settings say, as ptunnel uses them. */
export interface SystemProxy {
  /** Which reader found them: gnome, kde, windows, macos, env. */
  from: string;
  /** Proxies as HOST:PORT or URLs, in order. */
  proxies: string[];
  /** A PAC URL (automatic configuration), when set. */
  pac?: string;
  /** Hosts that bypass the proxy, in NO_PROXY syntax. */
  noProxy: string[];
}

/** Runs a command and returns its standard output; throws when it is missing or fails. */
export type Run = (command: string, args: string[]) => string;
