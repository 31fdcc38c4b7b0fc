/**
 * Bytes from the proxy as they may appear in a message: a hostile or broken proxy must not be
 * able to break a log line or drive a terminal, so control characters are escaped (`\r`, `\n`,
 * `\xNN`) and the text is cut at `max` characters. The escapes keep the bytes readable, which is
 * the point of showing them: `\r\r` tells the user what `..` would not.
 */
export function shownBytes(bytes: Buffer | string, max = 80): string {
  const text = typeof bytes === 'string' ? bytes : bytes.toString('latin1');
  let out = '';
  let i = 0;
  for (; i < text.length && out.length < max; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d) out += '\\r';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x5c) out += '\\\\';
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else out += text[i];
  }
  return `"${out}${i < text.length ? '...' : ''}"`;
}
