import { once } from './once';

/**
 * Inside the one-file executable (Node's single executable application, `npm run build:binary`)
 * there is no package directory: presets/ and package.json travel as SEA assets. Outside it
 * `node:sea` may not even exist (Node before 20.12), so every answer here is "not a SEA".
 */
interface SeaModule {
  isSea(): boolean;
  getAsset(key: string, encoding: string): string;
}

const seaModule = once((): SeaModule | null => {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('node:sea') as SeaModule;
    return m.isSea() ? m : null;
  } catch {
    return null;
  }
});

export function isSea(): boolean {
  return seaModule() !== null;
}

/** The text of an embedded asset, or undefined when not running as a SEA or the asset is missing. */
export function seaAsset(key: string): string | undefined {
  const m = seaModule();
  if (!m) return undefined;
  try {
    return m.getAsset(key, 'utf8');
  } catch {
    return undefined;
  }
}
