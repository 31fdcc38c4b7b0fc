import { loadConfig, LoadOptions } from '../../src/config/load';
import { settings } from '../../src/config/schema';
import { settingName } from '../../src/config/setting';
import { settingFile as configFile, usageErrorOf } from './config-helpers';

/*
 * parseInt read "1e3" as 1, "0x10" as 0 (no limit), "10.5" as 10, "100abc" as 100 and "1_000" as 1,
 * in flags and environment alike. A number setting takes whole decimal numbers only.
 */
const NUMERIC = settings().filter(([, s]) => s.format === 'nat');
const BAD = ['1e3', '0x10', '10.5', '100abc', '1_000', '-1', '+5', '1 000', 'ten'];

function valueOf(key: string, options: LoadOptions): unknown {
  const raw = loadConfig(options).raw as unknown as Record<string, Record<string, unknown>>;
  const [a, b] = key.split('.') as [string, string?];
  return b === undefined ? raw[a] : raw[a]?.[b];
}

const message = (options: LoadOptions) => usageErrorOf(() => loadConfig(options)).message;

it('covers the number settings', () => {
  expect(NUMERIC.map(([k]) => k)).toEqual(expect.arrayContaining(['maxConnections', 'maxConnectionsPerTunnel', 'dns.retries']));
});

describe.each(NUMERIC)('%s', (key, s) => {
  const env = s.env as string;
  const ways: Array<[string, (v: string) => LoadOptions]> = [
    ['a flag', (v) => ({ env: {}, flags: { [key]: v } })],
    ['the environment', (v) => ({ env: { [env]: v } })],
    ['a config file', (v) => ({ env: {}, configFile: configFile(key, v) })],
  ];
  describe.each(ways)('given in %s', (_where, options) => {
    it.each(BAD)('refuses %j in one line naming the setting', (bad) => {
      const m = message(options(bad));
      expect(m).toBe(`invalid ${settingName(key as never)}: must be a whole number, 0 or more (digits only, e.g. 10), got ${JSON.stringify(bad)}`);
    });
    it.each([
      ['10', 10],
      [' 12 ', 12],
      ['0', 0],
    ])('takes %j as %d', (text, n) => {
      expect(valueOf(key, options(text))).toBe(n);
    });
  });

  it('takes a whole YAML/JSON number in a file and refuses a fraction', () => {
    expect(valueOf(key, { env: {}, configFile: configFile(key, 1e3) })).toBe(1000);
    expect(message({ env: {}, configFile: configFile(key, 10.5) })).toMatch(/must be a whole number, 0 or more .*got 10\.5$/);
  });
});
