import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load';
import { PtunnelError } from '../../src/errors';

/*
 * IDN names were refused in mappings but taken (punycoded by URL()) in the proxy URL. One rule now:
 * every host name is converted to punycode, wherever it is given.
 */
const PUNY = 'xn--bcher-kva.example';

it('converts a mapping host', () => {
  expect(loadConfig({ env: {}, flags: { tunnels: ['2000:Bücher.example:993'] } }).tunnels[0]?.host).toBe(PUNY);
});

it('converts a preset host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-idn-'));
  writeFileSync(join(dir, 'mine.yaml'), 'name: mine\ndescription: d\ntunnels:\n  - { local: 20993, host: bücher.example, port: 993 }\n');
  expect(loadConfig({ env: {}, flags: { presets: ['mine'], presetsDir: dir } }).tunnels[0]?.host).toBe(PUNY);
});

it.each(['bücher.example:3128', 'http://bücher.example:3128'])('converts the proxy host in %s', (spec) => {
  expect(loadConfig({ env: { PTUNNEL_PROXY: spec } }).proxy?.endpoint.host).toBe(PUNY);
});

it('converts NO_PROXY names, so that they match the converted targets', () => {
  const c = loadConfig({ env: { PTUNNEL_PROXY: 'proxy.example:3128', NO_PROXY: '.bücher.example' } });
  expect(c.noProxy.matches(`imap.${PUNY}`, 993)).toBe(true);
  expect(c.warnings).toEqual([]);
});

it('refuses a name that is not valid IDNA, and never drops a control character in the conversion', () => {
  for (const host of ['\u0378.example', 'a\nü.example']) {
    let err: unknown;
    try {
      loadConfig({ env: {}, flags: { tunnels: [`2000:${host}:993`] } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PtunnelError);
    expect((err as Error).message).not.toContain('\n');
  }
});
