import { usageError } from '../errors';

/** Control characters (other than tab) have no safe spelling in a unit, a plist or a task. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export function checkArgs(argv: readonly string[]): void {
  const bad = argv.find((a) => CONTROL.test(a));
  if (bad !== undefined) {
    throw usageError('ERR_USAGE', `service: argument ${JSON.stringify(bad)} has a control character; a service file cannot carry it, remove it`);
  }
}

/**
 * One word of a systemd ExecStart= line (systemd.service(5) "Command lines"): in double quotes,
 * with \ and " escaped, % doubled (a specifier otherwise) and $ doubled (an environment variable
 * otherwise).
 */
export function systemdWord(arg: string): string {
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`).replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

/** Text content or attribute value in XML (plist, Task Scheduler). */
export function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * One argument of a Windows command line as CommandLineToArgvW and the C runtime split it:
 * quoted when it holds a space, tab or quote (or is empty); backslashes are literal except
 * before a quote, where each one is doubled.
 */
export function windowsArg(arg: string): string {
  if (arg !== '' && !/[ \t"]/.test(arg)) return arg;
  let out = '"';
  let slashes = 0;
  for (const c of arg) {
    if (c === '\\') {
      slashes++;
      continue;
    }
    out += c === '"' ? `${'\\'.repeat(slashes * 2 + 1)}"` : `${'\\'.repeat(slashes)}${c}`;
    slashes = 0;
  }
  return `${out}${'\\'.repeat(slashes * 2)}"`;
}
