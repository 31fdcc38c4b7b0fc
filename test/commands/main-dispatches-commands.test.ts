import { main } from '../../src/cli/main';

async function run(argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe('main() and the presets and hosts commands', () => {
  it('runs "ptunnel presets" and "ptunnel presets show NAME"', async () => {
    expect(await run(['presets'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Presets/) });
    expect(await run(['presets', 'show', 'icloud'])).toMatchObject({ code: 0, stdout: expect.stringContaining('13993 -> imap.mail.me.com:993') });
  });

  it('runs "ptunnel hosts --preset NAME"', async () => {
    expect(await run(['hosts', '--preset', 'yahoo'])).toMatchObject({ code: 0, stdout: expect.stringContaining('127.0.0.1 imap.mail.yahoo.com\n') });
  });

  it('prints user errors as one line with exit status 2', async () => {
    const r = await run(['hosts', '--preset', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ptunnel: unknown preset "nope"; known presets: [^\n]*\n$/);
    const broken = await run(['--preset', 'gmail', '9993:other.example:1', '--print-config']);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^ptunnel: local port localhost:9993 is used twice: by preset gmail .* and by mapping 9993:other\.example:1; [^\n]*\n$/);
  });

  it('--print-config shows the preset tunnels', async () => {
    const r = await run(['--preset', 'gmail', '--print-config']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).tunnels).toEqual([
      'localhost:9993 -> imap.gmail.com:993',
      'localhost:5587 -> smtp.gmail.com:587',
      'localhost:4465 -> smtp.gmail.com:465',
    ]);
  });
});
