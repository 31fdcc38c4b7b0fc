import type YAML from 'yaml';

/**
 * `yaml` costs about 8 MiB of RSS once loaded, and most runs read no YAML at all (no config
 * file or a JSON one, no presets): it is required on the first YAML text actually parsed. The
 * config loader and the preset loader both come through here, so neither loads it early.
 */
export function parseYaml(text: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('yaml') as typeof YAML).parse(text, { uniqueKeys: true });
}
