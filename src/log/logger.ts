import { redactProxyText } from './redact';
import { sanitizeLine } from './sanitize';
import { PtunnelError } from '../errors';

/** Most to least severe; the config's log.level setting takes exactly these. */
export const LOG_LEVELS = ['error', 'warn', 'info', 'debug', 'trace'] as const;
export type Level = (typeof LOG_LEVELS)[number];
const LEVELS: Record<Level, number> = { error: 50, warn: 40, info: 30, debug: 20, trace: 10 };

export type Fields = Record<string, unknown>;

export type LogFormat = 'text' | 'json';

export interface Logger {
  readonly level: Level;
  readonly format: LogFormat;
  enabled(level: Level): boolean;
  error(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  debug(msg: string, fields?: Fields): void;
  trace(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
  /**
   * Switches level and format for this logger, the one it came from and every child (SIGHUP):
   * they share one setting, so loggers handed out long ago follow without being re-created.
   */
  reconfigure(settings: { level?: Level; format?: LogFormat }): void;
}

export interface LoggerOptions {
  level?: Level;
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

// Keys whose values are secrets wherever they appear, at any depth. The proxy password and the
// Proxy-Authorization header are the ones ptunnel has; the rest guard future fields.
const SECRET_KEY = /pass(word)?|authorization|secret|token|credential|cookie/i;

/** What a log line may show of a string: no password, no control character. */
const clean = (text: string) => sanitizeLine(redactProxyText(text));

function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return clean(value);
  if (value instanceof Error) return errorFields(value);
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Fields = {};
  for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEY.test(k) ? '[REDACTED]' : redact(v, depth + 1);
  return out;
}

function errorFields(err: Error): Fields {
  const out: Fields = { message: clean(err.message) };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out.code = code;
  if (!(err instanceof PtunnelError && err.userError) && err.stack && !(err instanceof PtunnelError)) {
    // One log line: the stack's own newlines are escaped too.
    out.stack = clean(err.stack);
  }
  return out;
}

function textValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v && typeof v === 'object') {
    const e = v as Fields;
    if ('message' in e && Object.keys(e).every((k) => k === 'message' || k === 'code' || k === 'stack')) {
      return JSON.stringify(e.code ? `${e.code}: ${e.message}` : e.message);
    }
    return JSON.stringify(v);
  }
  return String(v);
}

/** Shared by a logger and all its children; `min` is the level's number, for enabled(). */
interface Settings {
  level: Level;
  min: number;
  format: LogFormat;
}

class LineLogger implements Logger {
  constructor(
    private readonly settings: Settings,
    private readonly write: (line: string) => void,
    private readonly now: () => Date,
    private readonly bound: Fields,
  ) {}

  get level(): Level {
    return this.settings.level;
  }

  get format(): LogFormat {
    return this.settings.format;
  }

  enabled(level: Level): boolean {
    return LEVELS[level] >= this.settings.min;
  }

  reconfigure({ level, format }: { level?: Level; format?: LogFormat }): void {
    if (level !== undefined) Object.assign(this.settings, { level, min: LEVELS[level] });
    if (format !== undefined) this.settings.format = format;
  }

  private emit(level: Level, msg: string, fields?: Fields): void {
    if (!this.enabled(level)) return;
    const all = redact({ ...this.bound, ...fields }) as Fields;
    const time = this.now().toISOString();
    if (this.settings.format === 'json') {
      this.write(`${JSON.stringify({ time, level, msg: clean(msg), ...all })}\n`);
      return;
    }
    const extra = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${textValue(v)}`)
      .join('');
    this.write(`${time} ${level.toUpperCase().padEnd(5)} ${clean(msg)}${extra}\n`);
  }

  error(msg: string, fields?: Fields): void {
    this.emit('error', msg, fields);
  }
  warn(msg: string, fields?: Fields): void {
    this.emit('warn', msg, fields);
  }
  info(msg: string, fields?: Fields): void {
    this.emit('info', msg, fields);
  }
  debug(msg: string, fields?: Fields): void {
    this.emit('debug', msg, fields);
  }
  trace(msg: string, fields?: Fields): void {
    this.emit('trace', msg, fields);
  }
  child(fields: Fields): Logger {
    return new LineLogger(this.settings, this.write, this.now, { ...this.bound, ...fields });
  }
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => void process.stderr.write(line));
  const format = options.format ?? (process.stderr.isTTY ? 'text' : 'json');
  const level = options.level ?? 'info';
  return new LineLogger({ level, min: LEVELS[level], format }, write, options.now ?? (() => new Date()), {});
}

/** A logger that drops everything; for library use and tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ level: 'error', write: () => undefined });
