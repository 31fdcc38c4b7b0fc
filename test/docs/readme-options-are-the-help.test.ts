import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tunnelHelp } from '../../src/cli/help';
import { readmeWithHelp } from '../../src/cli/readme-help';

describe("the README's Options section", () => {
  it('is `ptunnel --help` as the program prints it (npm run gen:readme-help writes it)', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    const fresh = readmeWithHelp(readme, tunnelHelp());
    if (fresh !== readme) throw new Error('README.md "### Options" differs from ptunnel --help: run npm run gen:readme-help');
  });
});
