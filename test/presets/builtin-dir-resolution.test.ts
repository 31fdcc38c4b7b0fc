import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPresetsDir } from '../../src/presets/load';

describe('finding the built-in presets', () => {
  it('from src/presets (ts-jest) and dist/presets (a build) alike', () => {
    const root = join(__dirname, '..', '..');
    expect(builtinPresetsDir(join(root, 'src', 'presets'))).toBe(join(root, 'presets'));
    expect(builtinPresetsDir(join(root, 'dist', 'presets'))).toBe(join(root, 'presets'));
  });

  it('in the container layout: /app/dist/presets finds /app/presets', () => {
    const app = mkdtempSync(join(tmpdir(), 'ptunnel-app-'));
    mkdirSync(join(app, 'dist', 'presets'), { recursive: true });
    mkdirSync(join(app, 'presets'));
    writeFileSync(join(app, 'package.json'), '{"name":"ptunnel"}\n');
    expect(builtinPresetsDir(join(app, 'dist', 'presets'))).toBe(join(app, 'presets'));
  });
});
