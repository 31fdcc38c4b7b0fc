import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { CHART, ROOT } from './k8s-tools';

/**
 * The chart carries the presets' ports (templates/_presets.tpl) because a chart cannot read the
 * image. This keeps that table equal to presets/ and prints the block to paste when it is not.
 */
type Row = { localPort: number; host: string; port: number };

function num(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** Tunnels of one preset file, whatever the exact field names turn out to be. */
function presetTunnels(data: any): Row[] { // eslint-disable-line @typescript-eslint/no-explicit-any
  const list = data?.tunnels ?? data?.mappings ?? [];
  return (Array.isArray(list) ? list : []).map((t: any) => { // eslint-disable-line @typescript-eslint/no-explicit-any
    if (typeof t === 'string') {
      const m = /^(\d+):(.+):(\d+)$/.exec(t);
      if (!m) throw new Error(`cannot read tunnel ${t}`);
      return { localPort: Number(m[1]), host: m[2] as string, port: Number(m[3]) };
    }
    const localPort = num(t.localPort ?? t.local ?? t.listenPort ?? t.local_port);
    const port = num(t.port ?? t.remotePort ?? t.remote_port);
    const host = t.host ?? t.remoteHost ?? t.remote_host;
    if (localPort === undefined || port === undefined || typeof host !== 'string') throw new Error(`cannot read tunnel ${JSON.stringify(t)}`);
    return { localPort, host, port };
  });
}

function fromPresetsDir(): Record<string, Row[]> {
  const dir = join(ROOT, 'presets');
  const out: Record<string, Row[]> = {};
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir).sort()) {
    const m = /^(.+)\.(ya?ml|json)$/.exec(file);
    if (!m || file.includes('schema')) continue;
    const data = YAML.parse(readFileSync(join(dir, file), 'utf8'));
    out[(data?.name as string | undefined) ?? (m[1] as string)] = presetTunnels(data);
  }
  return out;
}

function fromChart(): Record<string, Row[]> {
  const tpl = readFileSync(join(CHART, 'templates', '_presets.tpl'), 'utf8');
  const body = /define "ptunnel.presetTable" -}}\n([\s\S]*?)\{\{- end/.exec(tpl)?.[1];
  if (body === undefined) throw new Error('no ptunnel.presetTable in _presets.tpl');
  return YAML.parse(body) as Record<string, Row[]>;
}

function table(presets: Record<string, Row[]>): string {
  return Object.entries(presets)
    .map(([name, rows]) => `${name}:\n${rows.map((r) => `  - {localPort: ${r.localPort}, host: ${r.host}, port: ${r.port}}`).join('\n')}`)
    .join('\n');
}

test('helm/ptunnel/templates/_presets.tpl knows every preset of presets/ with the same ports', () => {
  const presets = fromPresetsDir();
  const chart = fromChart();
  expect(chart.gmail).toEqual([
    { localPort: 9993, host: 'imap.gmail.com', port: 993 },
    { localPort: 5587, host: 'smtp.gmail.com', port: 587 },
    { localPort: 4465, host: 'smtp.gmail.com', port: 465 },
  ]);
  if (Object.keys(presets).length === 0) return; // presets/ not written yet
  const expected = table(presets);
  if (table(chart) !== expected) {
    throw new Error(`helm/ptunnel/templates/_presets.tpl is out of date; put this in ptunnel.presetTable:\n${expected}`);
  }
});
