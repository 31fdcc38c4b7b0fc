import { tunnelHelp as helpText } from '../../src/cli/help';
import { LOCAL_PORTS, LOG_FORMATS, LOG_LEVELS, MODES, SWITCH_WORDS } from '../../src/config/formats';
import { loadConfig, RawSettings, RuntimeConfig } from '../../src/config/load';
import { schema } from '../../src/config/schema';
import { createLogger, Level } from '../../src/log/logger';
import type { LocalPorts } from '../../src/presets/local-ports';

// The types agree with the lists at compile time: tsc fails here when one drifts.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const typesAgree: Array<true> = [
  true satisfies Same<RawSettings['mode'], (typeof MODES)[number]>,
  true satisfies Same<RuntimeConfig['mode'], (typeof MODES)[number]>,
  true satisfies Same<RawSettings['log']['level'], Level>,
  true satisfies Same<RuntimeConfig['log']['level'], (typeof LOG_LEVELS)[number]>,
  true satisfies Same<RawSettings['log']['format'], (typeof LOG_FORMATS)[number]>,
  true satisfies Same<RawSettings['localPorts'], LocalPorts>,
  true satisfies Same<LocalPorts, (typeof LOCAL_PORTS)[number]>,
];

/** The --help entry of a flag, wrapped lines joined. */
function helpEntry(arg: string, env: string): string {
  const help = helpText().replace(/\s+/g, ' ');
  const start = help.indexOf(`--${arg} VALUE`);
  return help.slice(start, help.indexOf(`(env ${env})`, start));
}

// A proxy, so that mode "proxy" is accepted too.
const load = (key: string, value: unknown) => loadConfig({ env: {}, flags: { 'proxy.url': 'p:1', [key]: value } });

describe.each([
  ['mode', MODES, schema.mode, (c: RuntimeConfig) => c.raw.mode],
  ['log.level', LOG_LEVELS, schema.log.level, (c: RuntimeConfig) => c.log.level],
  ['log.format', LOG_FORMATS, schema.log.format, (c: RuntimeConfig) => c.log.format],
  ['localPorts', LOCAL_PORTS, schema.localPorts, (c: RuntimeConfig) => c.raw.localPorts],
])('the values of %s', (key, list, setting, read) => {
  it('are checked by the schema against the one list', () => {
    expect(typesAgree.every(Boolean)).toBe(true);
    expect(setting.format).toBe(list);
  });

  it('are each accepted, and nothing else is', () => {
    for (const value of list) expect(read(load(key, value))).toBe(value);
    expect(() => load(key, 'none-of-these')).toThrow(`must be one of ${JSON.stringify(list)}, got "none-of-these"`);
  });

  it('are each named in --help', () => {
    const entry = helpEntry(setting.arg, setting.env);
    for (const value of list) expect(entry).toMatch(new RegExp(`\\b${value}\\b`));
  });
});

describe('the words of a switch (dns.cache)', () => {
  it('are each accepted, and the refusal names them all', () => {
    for (const word of SWITCH_WORDS.true) expect(load('dns.cache', word).dns.cache).toBe(true);
    for (const word of SWITCH_WORDS.false) expect(load('dns.cache', word).dns.cache).toBe(false);
    let message = '';
    try {
      load('dns.cache', 'maybe');
    } catch (err) {
      message = (err as Error).message;
    }
    for (const word of [...SWITCH_WORDS.true, ...SWITCH_WORDS.false]) expect(message).toMatch(new RegExp(`\\b${word}\\b`));
  });
});

describe('the log levels', () => {
  it('run from most to least severe, as the list has them', () => {
    LOG_LEVELS.forEach((level, i) => {
      const logger = createLogger({ level, write: () => undefined });
      LOG_LEVELS.forEach((other, j) => expect(logger.enabled(other)).toBe(j <= i));
    });
  });
});
