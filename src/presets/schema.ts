import { inContext, usageError } from '../errors';
import { parsePort, validateHost } from '../net/address';

/**
 * A preset as read from presets/NAME.yaml. Validation is hand-written rather than a JSON-Schema
 * library: the messages must be one line naming the file and the field, in ptunnel's voice.
 */
export interface PresetTunnel {
  local: number;
  host: string;
  port: number;
}

export type Protocol = 'IMAP' | 'SMTP' | 'SSH';
export type Security = 'SSL/TLS' | 'STARTTLS';

export interface ClientSetting {
  protocol: Protocol;
  /** The name the client connects to and checks the certificate against; the hosts file points it here. */
  server: string;
  /** The remote port; the local one comes from the tunnel to server:port. */
  port: number;
  security?: Security;
  authentication?: string;
  user?: string;
  hostKeyAlias?: string;
}

export interface Preset {
  name: string;
  description: string;
  tunnels: PresetTunnel[];
  client: ClientSetting[];
  notes: string[];
  /** The file it came from, for messages. */
  file: string;
}

export const PRESET_NAME = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const PROTOCOLS: Protocol[] = ['IMAP', 'SMTP', 'SSH'];
const SECURITY: Security[] = ['SSL/TLS', 'STARTTLS'];

type Fields = Record<string, unknown>;

class Checker {
  constructor(readonly file: string) {}

  fail(field: string, problem: string): never {
    throw usageError('ERR_PRESET', `${this.where(field)} ${problem}`);
  }

  private where(field: string): string {
    return `preset file ${this.file}: ${field}`;
  }

  object(value: unknown, field: string, allowed: string[]): Fields {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) this.fail(field, `must be a mapping, got ${kind(value)}`);
    const unknown = Object.keys(value).find((k) => !allowed.includes(k));
    if (unknown !== undefined) this.fail(`${field === '(top level)' ? '' : `${field}.`}${unknown}`, `is not a preset field; expected one of ${allowed.join(', ')}`);
    return value as Fields;
  }

  string(value: unknown, field: string): string {
    if (typeof value !== 'string' || value.trim() === '') this.fail(field, `must be a non-empty string, got ${kind(value)}`);
    return value.trim();
  }

  list(value: unknown, field: string, allowEmpty: boolean): unknown[] {
    if (!Array.isArray(value)) this.fail(field, `must be a list, got ${kind(value)}`);
    if (!allowEmpty && value.length === 0) this.fail(field, 'must not be empty');
    return value;
  }

  port(value: unknown, field: string): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) this.fail(field, `must be a port number (1-65535), got ${kind(value)}`);
    return this.rethrow(field, () => parsePort(String(value), 'port'));
  }

  host(value: unknown, field: string): string {
    const text = this.string(value, field);
    return this.rethrow(field, () => validateHost(text, 'host'));
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: T[]): T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.fail(field, `must be one of ${allowed.join(', ')}, got ${kind(value)}`);
    }
    return value as T;
  }

  private rethrow<T>(field: string, f: () => T): T {
    return inContext(`${this.where(field)} is invalid`, f, 'ERR_PRESET');
  }
}

function kind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function tunnel(c: Checker, value: unknown, field: string): PresetTunnel {
  const t = c.object(value, field, ['local', 'host', 'port']);
  return { local: c.port(t.local, `${field}.local`), host: c.host(t.host, `${field}.host`), port: c.port(t.port, `${field}.port`) };
}

function clientSetting(c: Checker, value: unknown, field: string, tunnels: PresetTunnel[]): ClientSetting {
  const s = c.object(value, field, ['protocol', 'server', 'port', 'security', 'authentication', 'user', 'hostKeyAlias']);
  const setting: ClientSetting = {
    protocol: c.oneOf(s.protocol, `${field}.protocol`, PROTOCOLS),
    server: c.host(s.server, `${field}.server`),
    port: c.port(s.port, `${field}.port`),
  };
  if (setting.protocol === 'SSH') {
    if (s.security !== undefined) c.fail(`${field}.security`, 'is for IMAP and SMTP only; SSH secures itself');
  } else {
    setting.security = c.oneOf(s.security, `${field}.security`, SECURITY);
  }
  for (const key of ['authentication', 'user', 'hostKeyAlias'] as const) {
    if (s[key] !== undefined) setting[key] = c.string(s[key], `${field}.${key}`);
  }
  if (!tunnels.some((t) => t.host === setting.server && t.port === setting.port)) {
    c.fail(`${field}.server`, `${setting.server}:${setting.port} has no tunnel; add it to tunnels`);
  }
  return setting;
}

/** Checks parsed YAML against the preset schema; `expectedName` is the file name without extension. */
export function validatePreset(data: unknown, file: string, expectedName: string): Preset {
  const c = new Checker(file);
  const top = c.object(data, '(top level)', ['name', 'description', 'tunnels', 'client', 'notes']);
  const name = c.string(top.name, 'name');
  if (!PRESET_NAME.test(name)) c.fail('name', `"${name}" must be lower-case letters, digits and "-" (e.g. my-mail)`);
  if (name !== expectedName) c.fail('name', `"${name}" must match the file name (${expectedName})`);
  const tunnels = c.list(top.tunnels, 'tunnels', false).map((t, i) => tunnel(c, t, `tunnels[${i}]`));
  tunnels.forEach((t, i) => {
    const j = tunnels.findIndex((o) => o.local === t.local);
    if (j !== i) c.fail(`tunnels[${i}].local`, `${t.local} is already used by tunnels[${j}]`);
  });
  const client = top.client === undefined ? [] : c.list(top.client, 'client', true).map((s, i) => clientSetting(c, s, `client[${i}]`, tunnels));
  const notes = top.notes === undefined ? [] : c.list(top.notes, 'notes', true).map((n, i) => c.string(n, `notes[${i}]`));
  return { name, description: c.string(top.description, 'description'), tunnels, client, notes, file };
}
