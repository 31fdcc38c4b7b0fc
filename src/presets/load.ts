import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { usageError } from '../errors';
import { readNamedFile } from '../util/files';
import { isSea, seaAsset } from '../util/sea';
import { parseYaml } from '../util/yaml';
import { Preset, validatePreset } from './schema';

/**
 * Where the one-file executable keeps its built-in presets: SEA assets "presets/NAME.yaml", with
 * "presets/index" listing the file names (getAsset cannot list). Shown as the directory in
 * messages and in "ptunnel presets".
 */
export const SEA_PRESETS = '<built into the executable>/presets';

/**
 * The package root holds package.json and presets/. Walking up (rather than a fixed "../..")
 * keeps this right from src/presets under ts-jest, from dist/presets after a build, and at
 * /app in the container image, whatever the nesting.
 */
export function builtinPresetsDir(start = __dirname): string {
  if (isSea()) return SEA_PRESETS;
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'presets'))) return join(dir, 'presets');
    const parent = dirname(dir);
    if (parent === dir) return join(start, '..', '..', 'presets');
    dir = parent;
  }
}

function presetFiles(dir: string, what: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw usageError('ERR_PRESET', `cannot read ${what} ${dir}: ${(err as Error).message}`, err);
  }
  return names.filter((n) => ['.yaml', '.yml'].includes(extname(n).toLowerCase())).sort();
}

export function loadPresetFile(file: string): Preset {
  return parsePreset(readNamedFile(file, 'preset file', 'ERR_PRESET').toString('utf8'), file);
}

function parsePreset(text: string, file: string): Preset {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw usageError('ERR_PRESET', `preset file ${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`, err);
  }
  const base = basename(file).replace(/\.ya?ml$/i, '');
  return validatePreset(data, file, base);
}

export interface PresetCatalog {
  /** By name; a user preset replaces the built-in of the same name. */
  presets: Map<string, Preset>;
  builtinDir: string;
  userDir?: string;
}

/** Loads and validates every built-in preset and, when given, every file in the user's directory. */
export function loadPresetCatalog(userDir?: string | null, builtinDir = builtinPresetsDir()): PresetCatalog {
  const presets = new Map<string, Preset>();
  if (builtinDir === SEA_PRESETS) {
    for (const name of (seaAsset('presets/index') ?? '').split('\n').filter(Boolean)) {
      const p = parsePreset(seaAsset(`presets/${name}`) ?? '', `${SEA_PRESETS}/${name}`);
      presets.set(p.name, p);
    }
  } else {
    for (const name of presetFiles(builtinDir, 'the built-in presets directory')) {
      const p = loadPresetFile(join(builtinDir, name));
      presets.set(p.name, p);
    }
  }
  const catalog: PresetCatalog = { presets, builtinDir };
  if (userDir) {
    const dir = resolve(userDir);
    for (const name of presetFiles(dir, 'presets directory (--presets-dir, PTUNNEL_PRESETS_DIR)')) {
      const p = loadPresetFile(join(dir, name));
      presets.set(p.name, p);
    }
    catalog.userDir = dir;
  }
  return catalog;
}

export function findPreset(catalog: PresetCatalog, name: string): Preset {
  const preset = catalog.presets.get(name.trim().toLowerCase());
  if (preset) return preset;
  const known = [...catalog.presets.keys()].sort().join(', ');
  throw usageError('ERR_PRESET', `unknown preset "${name}"; known presets: ${known} (see "ptunnel presets")`);
}
