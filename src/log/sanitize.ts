/**
 * Text from files, the environment, the network or the command line may hold control
 * characters: ANSI and OSC sequences that recolour or retitle a terminal, a \r that overwrites
 * what was printed, a \n that forges a log line. Everything ptunnel prints passes through here,
 * so each is shown as a visible escape (\x1b) instead of acting.
 */
// C0 controls, DEL and the C1 controls (U+0080..U+009F: 0x9b is a one-byte CSI to some terminals).
/* eslint-disable no-control-regex -- matching control characters is the point */
const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;
const CONTROLS_BUT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g;
/* eslint-enable no-control-regex */

const escape = (c: string) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` as one line: every control character, \n included, as a visible escape. */
export function sanitizeLine(text: string): string {
  // Nearly every string is clean: one scan, no allocation.
  return CONTROL.test(text) ? text.replace(CONTROLS, escape) : text;
}

/** Like sanitizeLine, but keeps \n: for multi-line text ptunnel itself laid out (a stack trace). */
export function sanitizeLines(text: string): string {
  return CONTROL.test(text) ? text.replace(CONTROLS_BUT_NEWLINE, escape) : text;
}
