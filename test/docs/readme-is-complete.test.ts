import { readFileSync } from 'node:fs';
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
    expect(readme).toContain('npm ci && npm start -- --preset gmail');
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
});
