import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, LoadOptions } from '../../src/config/load';
import { usageErrorOf } from './config-helpers';

/* A newline in the proxy user reached the 407 message and forged a log line. */
const dir = mkdtempSync(join(tmpdir(), 'ptunnel-user-ctl-'));
const configFile = (user: string) => {
  const file = join(dir, `${Math.random()}.json`);
  writeFileSync(file, JSON.stringify({ proxy: { url: 'http://proxy.example:3128', user } }));
  return file;
};
const PROXY = { PTUNNEL_PROXY: 'http://proxy.example:3128' };

describe.each([
  ['LF', 'alice\nINFO forged line', '\\n'],
  ['CR', 'alice\r', '\\r'],
  ['ESC', 'alice\u001b[31m', '\\u001b'],
  ['NUL', 'al\u0000ice', '\\u0000'],
  ['DEL', 'alice\u007f', '\\u007f'],
])('a proxy user with %s', (_name, user, shown) => {
  it.each<[string, LoadOptions]>([
    ['a flag', { env: PROXY, flags: { 'proxy.user': user } }],
    ['the environment', { env: { ...PROXY, PTUNNEL_PROXY_USER: user } }],
    ['a config file', { env: {}, configFile: configFile(user) }],
    ['the proxy URL', { env: { PTUNNEL_PROXY: `http://${encodeURIComponent(user)}:pw@proxy.example:3128` } }],
  ])('given in %s is refused in one line, the character escaped', (_where, options) => {
    const { message } = usageErrorOf(() => loadConfig(options));
    expect(message).toMatch(/proxy user must not contain control characters/);
    expect(message).toContain(shown);
    // eslint-disable-next-line no-control-regex -- none may reach the message
    expect(message).not.toMatch(/[\u0000-\u001f\u007f]/);
    expect(message).not.toContain('pw');
  });
});

it('takes an ordinary user name', () => {
  expect(loadConfig({ env: { ...PROXY, PTUNNEL_PROXY_USER: 'Ålice Smith' } }).proxy?.endpoint.username).toBe('Ålice Smith');
});
