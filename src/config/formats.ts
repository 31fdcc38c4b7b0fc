import convict from 'convict';
import { LOG_LEVELS } from '../log/logger';
import { LOCAL_PORTS } from '../presets/local-ports';
import { parseDuration } from '../util/duration';

/**
 * The value lists of the settings that take one of a few words, each written once: the schema
 * checks against them and the settings' types are derived from them. Lists owned by a lower
 * folder (log levels, local-ports modes) are defined there and only named here.
 */
export const MODES = ['auto', 'proxy', 'direct'] as const;
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
/** How ptunnel authenticates to the proxy; auto picks from what the proxy's 407 offers. */
export const PROXY_AUTH_MODES = ['auto', 'basic', 'ntlm', 'negotiate'] as const;
export type ProxyAuthMode = (typeof PROXY_AUTH_MODES)[number];
export type Mode = (typeof MODES)[number];
export type LogFormat = (typeof LOG_FORMATS)[number];
export { LOG_LEVELS, LOCAL_PORTS };

/** What a switch (dns.cache) takes; the first word of each list is the canonical one. */
export const SWITCH_WORDS = { true: ['true', 'yes', 'on', '1'], false: ['false', 'no', 'off', '0'] } as const;

const SWITCH_ALSO = SWITCH_WORDS.true
  .slice(1)
  .map((word, i) => `${word}/${SWITCH_WORDS.false[i + 1] as string}`)
  .join(', ');

/** What each named format below validates to, so that the settings' type follows from the schema. */
interface FormatTypes {
  'duration-text': string;
  'string-list': string[];
  switch: boolean;
  'optional-string': string | null;
  nat: number;
}

/** A setting's format: one of the names above, a value list, or String. */
export type Format = keyof FormatTypes | readonly string[] | StringConstructor;

export type FormatValue<F> = F extends readonly (infer V)[]
  ? V
  : F extends keyof FormatTypes
    ? FormatTypes[F]
    : F extends StringConstructor
      ? string
      : never;

convict.addFormat({
  name: 'duration-text',
  validate(value: unknown) {
    if (typeof value !== 'string') throw new Error('must be a duration such as 500ms, 10s or 2m');
    parseDuration(value);
  },
  coerce: (value: unknown) => String(value).trim(),
});

convict.addFormat({
  name: 'string-list',
  validate(value: unknown) {
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      throw new Error('must be a list of strings');
    }
  },
  coerce: (value: string) =>
    value
      .split(/[\s,]+/)
      .map((v) => v.trim())
      .filter((v) => v.length > 0),
});

// Convict's Boolean takes anything but "false" as true; a switch says what it accepts.
convict.addFormat({
  name: 'switch',
  validate(value: unknown) {
    if (typeof value !== 'boolean') throw new Error(`must be true or false (also ${SWITCH_ALSO})`);
  },
  coerce: (value: unknown) => {
    const text = String(value).trim().toLowerCase();
    if ((SWITCH_WORDS.true as readonly string[]).includes(text)) return true;
    if ((SWITCH_WORDS.false as readonly string[]).includes(text)) return false;
    return value;
  },
});

convict.addFormat({
  name: 'optional-string',
  validate(value: unknown) {
    if (value !== null && typeof value !== 'string') throw new Error('must be a string');
  },
});

const WHOLE_NUMBER = 'must be a whole number, 0 or more (digits only, e.g. 10)';

/*
 * Replaces convict's own "nat", which coerces with parseInt: "1e3" became 1, "0x10" 0 (no limit),
 * "10.5" 10 and "100abc" 100 without a word. Flags, environment and text in a file take digits
 * only (surrounding blanks aside, as compose files leave them); a number in a file must be whole.
 * The refused value is quoted here, so the message shows text as text and a number as a number.
 */
convict.addFormat({
  name: 'nat',
  validate(value: unknown) {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return;
    throw new Error(`${WHOLE_NUMBER}, got ${JSON.stringify(value)}`);
  },
  coerce: (value: string) => (/^\s*\d+\s*$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value),
});
