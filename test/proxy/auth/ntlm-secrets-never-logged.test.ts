import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, startCli } from '../../support/cli';
import { connect, readAll } from '../../support/servers';
import { ntlmChallenge } from './ntlm-challenge';
import { answer407, startScriptedProxy } from './scripted-proxy';

describe('NTLM secrets never reach the logs', () => {
  it('keeps the NT hash, the password and every NTLM token out of trace-level logs and the final error', async () => {
    const hash = '8846f7eaee8fb117ad06bdd830b7586c';
    const dir = mkdtempSync(join(tmpdir(), 'ptunnel-ntlm-redact-'));
    writeFileSync(join(dir, 'nt'), `${hash}\n`);
    const proxy = await startScriptedProxy((req) => ({ reply: answer407([req.authorization ? ntlmChallenge() : 'NTLM']) }));
    try {
      for (const [format, creds] of [
        ['json', ['--proxy-nt-hash-file', join(dir, 'nt')]],
        ['text', ['-P', 'pl4in-s3cret']],
      ] as const) {
        const cli = await startCli(['-vv', '--log-format', format, '-p', proxy.url, '-U', 'CORP\\alice', ...creds, '--mode', 'proxy', '0:127.0.0.1:9'], 1, cleanEnv());
        await readAll(await connect(cli.ports[0] as number));
        expect(await cli.exited).toBe(1);
        const logs = cli.stderr();
        expect(logs).toMatch(/rejected the credentials for user "CORP\\\\?alice" \(407\) to NTLM authentication/);
        expect(logs).not.toMatch(new RegExp(hash, 'i'));
        expect(logs).not.toContain('pl4in-s3cret');
        const tokens = proxy.connections.flat().map((r) => r.authorization?.slice(5)).filter((t): t is string => !!t);
        expect(tokens.length).toBeGreaterThanOrEqual(2);
        for (const t of tokens) expect(logs).not.toContain(t.slice(0, 40));
      }
    } finally {
      await proxy.close();
    }
  }, 30_000);
});
