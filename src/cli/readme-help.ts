/**
 * The README's "### Options" section holds `ptunnel --help` in its first code block. This puts
 * the current help there (npm run gen:readme-help); a test fails when the two differ, so the
 * README cannot drift from the program.
 */
export function readmeWithHelp(readme: string, help: string): string {
  const section = readme.indexOf('### Options');
  if (section < 0) throw new Error('README.md has no "### Options" section');
  const open = readme.indexOf('```\n', section);
  const close = readme.indexOf('\n```', open + 4);
  if (open < 0 || close < 0) throw new Error('the Options section of README.md has no code block');
  return `${readme.slice(0, open + 4)}${help.replace(/\n+$/, '')}${readme.slice(close)}`;
}
