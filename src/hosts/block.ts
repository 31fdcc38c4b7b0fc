import { usageError } from '../errors';

/**
 * Pure text edits of a hosts file: one marked block per preset. Everything outside the blocks
 * is kept byte for byte, so that apply followed by remove gives back the original file.
 */
export type Eol = '\n' | '\r\n';

export function beginMarker(name: string): string {
  return `# BEGIN ptunnel ${name}`;
}

export function endMarker(name: string): string {
  return `# END ptunnel ${name}`;
}

/** The file's own line ending: a Windows hosts file stays CRLF. */
export function detectEol(text: string, fallback: Eol = '\n'): Eol {
  const lf = text.indexOf('\n');
  if (lf < 0) return fallback;
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n';
}

/** The block without a line ending after the END marker. */
export function blockText(name: string, lines: string[], eol: Eol): string {
  return [beginMarker(name), ...lines, endMarker(name)].join(eol);
}

interface Block {
  name: string;
  /** Offset of the BEGIN line. */
  start: number;
  /** Offset just past the END marker text, before its line ending. */
  contentEnd: number;
  /** Offset past the END line's line ending (equal to contentEnd at end of file). */
  end: number;
}

const MARKER = /^#\s*(BEGIN|END) ptunnel (\S+)\s*$/;

/** Finds every ptunnel block; a BEGIN without its END (or the reverse) is an error naming the line. */
export function findBlocks(text: string, where: string): Block[] {
  const blocks: Block[] = [];
  let open: { name: string; start: number; line: number } | undefined;
  let offset = 0;
  let lineNo = 0;
  const broken = (problem: string): never => {
    throw usageError('ERR_HOSTS_FILE', `${where}: ${problem}; fix or delete the block by hand (the file was not changed)`);
  };
  while (offset < text.length) {
    lineNo += 1;
    const lf = text.indexOf('\n', offset);
    const next = lf < 0 ? text.length : lf + 1;
    const content = text.slice(offset, lf < 0 ? text.length : lf).replace(/\r$/, '');
    const m = MARKER.exec(content);
    if (m) {
      const [, kind, name] = m as unknown as [string, string, string];
      if (kind === 'BEGIN') {
        if (open) broken(`"${beginMarker(open.name)}" on line ${open.line} has no "${endMarker(open.name)}" before line ${lineNo}`);
        if (blocks.some((b) => b.name === name)) broken(`"${beginMarker(name)}" appears twice (line ${lineNo})`);
        open = { name, start: offset, line: lineNo };
      } else {
        if (!open || open.name !== name) broken(`"${endMarker(name)}" on line ${lineNo} has no matching "${beginMarker(name)}"`);
        blocks.push({ name, start: (open as { start: number }).start, contentEnd: offset + content.length, end: next });
        open = undefined;
      }
    }
    offset = next;
  }
  if (open) broken(`"${beginMarker(open.name)}" on line ${open.line} has no "${endMarker(open.name)}"`);
  return blocks;
}

/** Adds the block at the end, or replaces the one already there; unchanged text when it is current. */
export function applyBlock(text: string, name: string, lines: string[], where: string, fallbackEol: Eol = '\n'): string {
  // A last line ending in a bare CR takes an LF to end it: CRLF, so that the line end removeBlock
  // strips (CRLF) is exactly the one added, and the file reads as CRLF from then on.
  const separator = !text.endsWith('\n') && text.endsWith('\r') ? '\r\n' : undefined;
  const eol = detectEol(separator ? text + separator : text, fallbackEol);
  const block = blockText(name, lines, eol);
  const existing = findBlocks(text, where).find((b) => b.name === name);
  if (existing) return text.slice(0, existing.start) + block + text.slice(existing.contentEnd);
  if (text === '') return block + eol;
  if (text.endsWith('\n')) return text + block + eol;
  // The file lacked a final newline: the one added before the block belongs to the block, and
  // the missing one after it tells removeBlock to take it away again.
  return text + (separator ?? eol) + block;
}

/** Takes the block out and nothing else; unchanged text when there is no such block. */
export function removeBlock(text: string, name: string, where: string): string {
  const existing = findBlocks(text, where).find((b) => b.name === name);
  if (!existing) return text;
  let start = existing.start;
  if (existing.end === existing.contentEnd && start > 0) {
    start -= text.slice(0, start).endsWith('\r\n') ? 2 : 1;
  }
  return text.slice(0, start) + text.slice(existing.end);
}
