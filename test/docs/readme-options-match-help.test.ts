import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from '../../src/config/schema';

/*
 * README "### Options" carries the --help text; each setting's doc there must be the schema's doc
 * (the --help text), so that the two cannot drift apart (--half-close-timeout had).
 */
const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
const start = readme.indexOf('### Options');
const block = readme.slice(start, readme.indexOf('\n### ', start + 1));
const words = (text: string) => text.replace(/\s+/g, ' ').trim();

/** The README's text for one flag: from its "--name" to the next flag's line. */
function readmeText(arg: string): string {
  const at = new RegExp(`^ {2}(?:-\\w, )? {0,4}--${arg} [A-Z]+ +`, 'm').exec(block);
  if (!at) return '';
  const rest = block.slice(at.index + at[0].length);
  const next = /^ {2}(?:-\w, | {4})--/m.exec(rest);
  return words(next ? rest.slice(0, next.index) : rest);
}

it('has an options list', () => {
  expect(block).toContain('Options:');
});

it.each(settings().filter(([, s]) => s.arg !== undefined))('gives %s the doc text --help gives it', (_key, s) => {
  expect(readmeText(s.arg as string)).toContain(words(s.doc));
});
