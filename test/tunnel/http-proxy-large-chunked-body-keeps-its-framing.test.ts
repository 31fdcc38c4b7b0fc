import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { HttpProxyRig, startHttpProxyRig } from '../support/http-proxy';

const run = promisify(execFile);
const SERVER = '127.0.98.4';
/** Past the 1 MiB ptunnel keeps for an authentication round: the rest is streamed. */
const SIZE = 1536 * 1024;

/*
 * A chunked request body too big to keep is streamed upstream. Transfer-Encoding is hop-by-hop, so
 * ptunnel frames the body itself; for GET, DELETE and OPTIONS Node adds no chunked framing of its
 * own, and an unframed body would be read upstream as the next requests on the connection (here a
 * request hidden at the start of the body), past every --allow-dest and --deny-dest rule.
 */
describe.each(['squid', 'direct'] as const)('HTTP proxy listener, a chunked body over 1 MiB, route %s', (route) => {
  let rig: HttpProxyRig;
  const seen: Array<{ method: string; url: string; length: number }> = [];
  let file: string;

  beforeAll(async () => {
    const web = http.createServer((req, res) => {
      let length = 0;
      req.on('data', (d: Buffer) => (length += d.length));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', length });
        res.end(`got ${length}\n`);
      });
    });
    rig = await startHttpProxyRig(route, web, SERVER);
    const hidden = `GET /smuggled HTTP/1.1\r\nHost: ${SERVER}:${rig.webPort}\r\n\r\n`;
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ptunnel-chunked-')), 'body');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(hidden), Buffer.alloc(SIZE - hidden.length, 'z')]));
  });
  afterAll(async () => {
    await rig?.close();
    if (file) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it.each(['GET', 'DELETE', 'POST'])('%s: the server gets one request with the whole body, nothing hidden in it', async (method) => {
    seen.length = 0;
    const { stdout } = await run('curl', [
      '-sS', '--max-time', '20', '-x', `http://127.0.0.1:${rig.listenPort}`, '-X', method, '-H', 'Transfer-Encoding: chunked', '--data-binary', `@${file}`,
      `http://${SERVER}:${rig.webPort}/big`,
    ]);
    expect(stdout).toBe(`got ${SIZE}\n`);
    expect(seen).toEqual([{ method, url: '/big', length: SIZE }]);
  });
});
