import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The commands of README.md's `## Docker` and `## Kubernetes (Helm)` sections, as the README
 * writes them, so that the packaging tests run those very commands (issue 6: "the README's Docker
 * and Helm sections are walked through exactly as written in the tests").
 *
 * A section is the text from its `## ` heading to the next `## ` heading; its fenced blocks are
 * split into logical commands the way a shell reads them: a line ending in `\` continues on the
 * next, `# ...` outside quotes is a comment, `<<'DELIM'` takes the following lines up to DELIM as
 * a here-document. Words are split with POSIX quoting ('...', "...", \x); `$NAME`/`${NAME}` are
 * expanded only when the caller passes an environment (and then an unknown name is an error, so
 * a README command that needs something the test does not provide fails loudly).
 */
export const README = join(__dirname, '..', '..', 'README.md');

export interface FencedBlock {
  lang: string;
  code: string;
  /** 1-based README line of the block's first code line. */
  line: number;
}

export interface ReadmeCommand {
  /** The command with continuations joined and the trailing comment removed. */
  text: string;
  /** What a shell would run: the README lines of the command, here-document included. */
  script: string;
  heredoc?: { delimiter: string; body: string };
  /** 1-based README line where the command starts. */
  line: number;
  /** Index of the fenced block within its section. */
  block: number;
}

function readmeLines(file = README): string[] {
  return readFileSync(file, 'utf8').split('\n');
}

/** Fenced blocks (any language, or only `lang`) of the section under `## heading`. */
export function sectionBlocks(heading: string, lang?: string, file = README): FencedBlock[] {
  const lines = readmeLines(file);
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  const blocks: FencedBlock[] = [];
  for (let i = start + 1; i < end; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i] ?? '');
    if (!open) continue;
    const first = i + 1;
    let j = first;
    while (j < end && !/^```\s*$/.test(lines[j] ?? '')) j++;
    if (j >= end) throw new Error(`README line ${i + 1}: unterminated code block in "## ${heading}"`);
    blocks.push({ lang: open[1] ?? '', code: lines.slice(first, j).join('\n'), line: first + 1 });
    i = j;
  }
  return blocks.filter((b) => lang === undefined || b.lang === lang);
}

/** Prose of the section (code blocks included), for claims the tests check against renders. */
export function sectionText(heading: string, file = README): string {
  const lines = readmeLines(file);
  const start = lines.findIndex((l) => l.trim() === `## ${heading}`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  let end = lines.findIndex((l, i) => i > start && /^## /.test(l));
  if (end < 0) end = lines.length;
  return lines.slice(start + 1, end).join('\n');
}

/** The logical commands of one shell block. */
export function blockCommands(block: FencedBlock, blockIndex = 0): ReadmeCommand[] {
  const lines = block.code.split('\n');
  const commands: ReadmeCommand[] = [];
  for (let i = 0; i < lines.length; i++) {
    const startLine = i;
    let joined = lines[i] ?? '';
    const raw = [joined];
    while (/\\$/.test(joined) && i + 1 < lines.length) {
      i++;
      joined = `${joined.slice(0, -1)}${lines[i] ?? ''}`;
      raw.push(lines[i] ?? '');
    }
    const text = stripComment(joined).trim();
    if (text === '') continue;
    const command: ReadmeCommand = { text, script: raw.join('\n'), line: block.line + startLine, block: blockIndex };
    const here = /<<-?\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\1/.exec(text);
    if (here) {
      const delimiter = here[2] as string;
      const body: string[] = [];
      while (i + 1 < lines.length && lines[i + 1] !== delimiter) body.push(lines[++i] ?? '');
      if (i + 1 >= lines.length) throw new Error(`README line ${command.line}: here-document ${delimiter} not closed`);
      i++;
      command.heredoc = { delimiter, body: `${body.join('\n')}\n` };
      command.script = [...raw, ...body, delimiter].join('\n');
    }
    commands.push(command);
  }
  return commands;
}

/** Every command of the `sh` blocks under `## heading`, in README order. */
export function readmeCommands(heading: string, file = README): ReadmeCommand[] {
  return sectionBlocks(heading, 'sh', file).flatMap((b, i) => blockCommands(b, i));
}

/** The line without a shell comment (a `#` that starts a word, outside quotes). */
function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '\\') i++;
    else if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1] ?? ''))) return line.slice(0, i);
  }
  return line;
}

/**
 * Shell words of a command: quotes removed, `$NAME`/`${NAME}` expanded from `env` outside single
 * quotes when `env` is given (left as written otherwise). Redirections and here-document markers
 * come back as words; callers that run those hand `script` to bash instead.
 */
export function shellWords(text: string, env?: Record<string, string | undefined>): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const add = (s: string) => (word = (word ?? '') + s);
  const expand = (name: string) => {
    if (!env) return `$${name}`;
    const value = env[name];
    if (value === undefined) throw new Error(`"${text}" needs $${name}, which the test does not provide`);
    return value;
  };
  const variable = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unterminated ' in: ${text}`);
      add(text.slice(i + 1, end));
      i = end;
    } else if (c === '"') {
      let s = '';
      i++;
      for (; i < text.length && text[i] !== '"'; i++) {
        const d = text[i] as string;
        const v = variable.exec(text.slice(i));
        if (d === '\\' && /["\\$`]/.test(text[i + 1] ?? '')) s += text[++i];
        else if (v) {
          s += expand((v[1] ?? v[2]) as string);
          i += v[0].length - 1;
        } else s += d;
      }
      if (i >= text.length) throw new Error(`unterminated " in: ${text}`);
      add(s);
    } else if (c === '\\') {
      add(text[++i] ?? '');
    } else {
      const v = variable.exec(text.slice(i));
      if (v) {
        add(expand((v[1] ?? v[2]) as string));
        i += v[0].length - 1;
      } else add(c);
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/** Leading `NAME=value` words (a command's own environment) split from the command's words. */
export function splitAssignments(words: string[]): { env: Record<string, string>; argv: string[] } {
  const env: Record<string, string> = {};
  let i = 0;
  for (; i < words.length; i++) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(words[i] as string);
    if (!m) break;
    env[m[1] as string] = m[2] as string;
  }
  return { env, argv: words.slice(i) };
}
