import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { settings } from '../../src/config/schema';

const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

describe('the README', () => {
  it('documents every flag and environment variable', () => {
    for (const [key, s] of settings()) {
      if (s.arg) expect({ key, documented: readme.includes(`--${s.arg}`) }).toEqual({ key, documented: true });
      if (s.env) expect({ key, documented: readme.includes(s.env) }).toEqual({ key, documented: true });
    }
  });

  it('gives the two set-up commands and the sections users look for', () => {
    expect(readme).toContain('npm ci && npm run build && npm install -g .');
    expect(readme).toMatch(/^ptunnel --preset gmail\b/m);
    expect(readme).not.toMatch(/npx ptunnel --|npm install -g ptunnel\b/);
    expect(readme).toMatch(/^npm test\b/m);
    for (const heading of [
      '## Thunderbird with Gmail behind a proxy',
      '## Presets',
      '## DNS: how ptunnel finds the real servers',
      '## Operations: probes, metrics, logs, signals',
      '## Docker',
      '## Kubernetes (Helm)',
    ]) {
      expect(readme).toContain(heading);
    }
  });

  it('names every metric the admin server exports', () => {
    const source = readFileSync(join(__dirname, '..', '..', 'src', 'admin', 'metrics.ts'), 'utf8');
    for (const [, name] of source.matchAll(/name: '(ptunnel_[a-z_]+)'/g)) expect(readme).toContain(name);
  });

  it('lays out every folder of src/ in the Layout section, in the order the lint rule enforces', () => {
    const layout = readme.slice(readme.indexOf('### Layout'), readme.indexOf('### Error codes'));
    const folders = readdirSync(join(__dirname, '..', '..', 'src'), { withFileTypes: true }).filter((d) => d.isDirectory());
    for (const d of folders) expect({ folder: d.name, listed: layout.includes(`src/${d.name}/`) }).toEqual({ folder: d.name, listed: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const rules = require('../../.dependency-cruiser.cjs') as { forbidden: Array<{ name: string }> };
    const layers = rules.forbidden.map((r) => /^layer-(.+)$/.exec(r.name)?.[1]).filter((n): n is string => n !== undefined && !n.includes('.'));
    const positions = layers.filter((n) => layout.includes(`src/${n}/`)).map((n) => layout.indexOf(`src/${n}/`));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });
});
