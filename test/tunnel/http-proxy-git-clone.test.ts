import { execFile, execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import { promisify } from 'node:util';
import { logged } from '../support/mail-servers';
import { HttpProxyRig, startHttpProxyRig } from '../support/http-proxy';

const run = promisify(execFile);
const SERVER = '127.0.98.6';

/** git with nothing of this machine's config or proxy settings: only what the test gives it. */
const gitEnv = (home: string): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' });

/*
 * Real git cloning over http through --http-proxy (git -c http.proxy=...), from a bare repository
 * served over git's dumb HTTP protocol by a static file server in the test.
 */
describe.each(['squid', 'direct'] as const)('git clone through the HTTP proxy listener, route %s', (route) => {
  let dir: string;
  let head: string;
  let rig: HttpProxyRig;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ptunnel-git-'));
    const env = gitEnv(dir);
    const work = join(dir, 'work');
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, env, stdio: 'pipe' }).toString().trim();
    execFileSync('mkdir', ['-p', work]);
    git(work, 'init', '-q', '-b', 'main');
    for (let i = 0; i < 3; i++) {
      execFileSync('sh', ['-c', `head -c 20000 /dev/urandom | base64 > file${i}.txt`], { cwd: work });
      git(work, 'add', '.');
      git(work, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', `commit ${i}`);
    }
    head = git(work, 'rev-parse', 'HEAD');
    git(dir, 'clone', '-q', '--bare', work, join(dir, 'srv', 'repo.git'));
    git(join(dir, 'srv', 'repo.git'), 'update-server-info');
    const root = join(dir, 'srv');
    const web = http.createServer((req, res) => {
      const path = normalize(join(root, decodeURIComponent((req.url ?? '/').split('?')[0] as string)));
      if (!path.startsWith(root)) return void res.writeHead(403).end();
      try {
        if (!statSync(path).isFile()) throw new Error('not a file');
      } catch {
        return void res.writeHead(404).end();
      }
      createReadStream(path).pipe(res);
    });
    rig = await startHttpProxyRig(route, web, SERVER);
  });
  afterAll(async () => {
    await rig?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the clone has the served HEAD commit', async () => {
    const { webPort, listenPort, proxy, tunnel } = rig;
    const target = join(dir, `clone-${route}`);
    await run('git', ['-c', `http.proxy=http://127.0.0.1:${listenPort}`, 'clone', '-q', `http://${SERVER}:${webPort}/repo.git`, target], { env: gitEnv(dir), timeout: 30_000 });
    const { stdout } = await run('git', ['rev-parse', 'HEAD'], { cwd: target, env: gitEnv(dir) });
    expect(stdout.trim()).toBe(head);
    if (proxy) expect(await logged(proxy.accessLog, /GET http:\/\/127\.0\.98\.6:\d+\/repo\.git\/info\/refs/)).toMatch(/GET http:\/\/127\.0\.98\.6:\d+\/repo\.git\/objects\//);
    expect(tunnel.records.filter((r) => r.tunnel === 'http-proxy' && r.outcome === 'ok').length).toBeGreaterThan(3);
  }, 40_000);
});
