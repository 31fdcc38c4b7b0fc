/**
 * The authentication schemes a proxy offers in its `Proxy-Authenticate` headers (RFC 7235,
 * section 4.3 and 2.1): what `--proxy-auth auto` picks from. Pure and forgiving: the headers come
 * from the network, so a malformed challenge is skipped, never thrown; the rest still count.
 */

export interface OfferedScheme {
  /** The scheme in lower case, for matching: 'basic', 'ntlm', 'negotiate', ... */
  scheme: string;
  /** The scheme as the proxy spelled it (a token: printable, no spaces), for messages. */
  name: string;
  /** The token68 after the scheme: an NTLM challenge or a Negotiate continuation token. */
  token?: string;
  /** auth-params (realm, charset, ...), names in lower case, quoted values unquoted. */
  params: Record<string, string>;
}

/** Header values as Node gives them (one string, or one per line) or as a list of values. */
export type ProxyAuthenticateInput =
  | Readonly<Record<string, string | readonly string[] | undefined>>
  | readonly string[]
  | string
  | undefined;

// A proxy sends a handful; these bound the work a hostile header can cause.
const MAX_CHALLENGES = 32;
const MAX_PARAMS = 32;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

function values(input: ProxyAuthenticateInput): string[] {
  if (input === undefined) return [];
  if (typeof input === 'string') return [input];
  if (Array.isArray(input)) return [...(input as readonly string[])];
  const out: string[] = [];
  for (const [name, value] of Object.entries(input)) {
    if (name.toLowerCase() !== 'proxy-authenticate' || value === undefined) continue;
    if (typeof value === 'string') out.push(value);
    else out.push(...value);
  }
  return out;
}

class Cursor {
  pos = 0;
  constructor(readonly s: string) {}

  get done(): boolean {
    return this.pos >= this.s.length;
  }

  peek(): string {
    return this.s[this.pos] ?? '';
  }

  skipSpace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  run(re: RegExp): string {
    const start = this.pos;
    while (!this.done && re.test(this.peek())) this.pos++;
    return this.s.slice(start, this.pos);
  }

  /** Skips to just past the next comma (or the end): the recovery point after garbage. */
  skipPastComma(): void {
    const next = this.s.indexOf(',', this.pos);
    this.pos = next < 0 ? this.s.length : next + 1;
  }

  /** True when the next item (after spaces) is `name =`, i.e. an auth-param, not a new scheme. */
  atParam(): boolean {
    const save = this.pos;
    this.skipSpace();
    const name = this.run(TCHAR);
    this.skipSpace();
    const isParam = name.length > 0 && this.peek() === '=';
    this.pos = save;
    return isParam;
  }

  quoted(): string | undefined {
    this.pos++; // the opening quote
    let out = '';
    while (!this.done) {
      const c = this.peek();
      this.pos++;
      if (c === '"') return out;
      if (c === '\\') {
        if (this.done) return undefined;
        out += this.peek();
        this.pos++;
      } else {
        out += c;
      }
    }
    return undefined; // unterminated
  }
}

/** Reads `name=value` pairs, comma-separated, until the next item is a new challenge. */
function readParams(c: Cursor, params: Record<string, string>): boolean {
  let count = 0;
  for (;;) {
    c.skipSpace();
    const name = c.run(TCHAR).toLowerCase();
    c.skipSpace();
    if (!name || c.peek() !== '=') return false;
    c.pos++;
    c.skipSpace();
    const value = c.peek() === '"' ? c.quoted() : c.run(TCHAR) || undefined;
    if (value === undefined) return false;
    if (count++ < MAX_PARAMS && !Object.hasOwn(params, name)) params[name] = value;
    c.skipSpace();
    if (c.done) return true;
    if (c.peek() !== ',') return false;
    c.pos++;
    // Empty list elements are allowed (RFC 7230 7): "a=1, , b=2".
    while (c.peek() === ',' || c.peek() === ' ' || c.peek() === '\t') c.pos++;
    if (c.done || !c.atParam()) return true;
  }
}

function parseValue(s: string, out: OfferedScheme[]): void {
  const c = new Cursor(s);
  while (!c.done && out.length < MAX_CHALLENGES) {
    while (c.peek() === ',' || c.peek() === ' ' || c.peek() === '\t') c.pos++;
    if (c.done) break;
    const name = c.run(TCHAR);
    if (!name) {
      c.skipPastComma();
      continue;
    }
    const offer: OfferedScheme = { scheme: name.toLowerCase(), name, params: Object.create(null) as Record<string, string> };
    const afterName = c.peek();
    c.skipSpace();
    if (c.done || c.peek() === ',') {
      out.push(offer);
      continue;
    }
    if (afterName !== ' ' && afterName !== '\t') {
      c.skipPastComma(); // a scheme glued to something that is not a space: garbage
      continue;
    }
    // token68, if what follows is one and nothing else up to the comma: "abc==" but not "realm=x".
    const start = c.pos;
    // RFC 7235 token68 is 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=": padding alone is not one.
    const body = c.run(TOKEN68_CHAR);
    const token = body + c.run(/=/);
    c.skipSpace();
    if (body && (c.done || c.peek() === ',')) {
      offer.token = token;
      out.push(offer);
      continue;
    }
    c.pos = start;
    if (readParams(c, offer.params)) out.push(offer);
    else c.skipPastComma();
  }
}

/**
 * Every challenge the proxy offers, in the order sent, from any number of `Proxy-Authenticate`
 * headers, each possibly a comma-separated list. Never throws; malformed challenges are left out.
 */
export function offeredSchemes(input: ProxyAuthenticateInput): OfferedScheme[] {
  const out: OfferedScheme[] = [];
  for (const v of values(input)) parseValue(v, out);
  return out;
}
