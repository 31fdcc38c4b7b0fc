import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch } from '../../src/cli/main';
import { captureIo, cleanEnv } from './cli';
import { runCliAsync } from './pac-server';
import { startImapsServer, startSubmissionServer } from './mail-servers';
import { freePort } from './ports';
import { makeTestCertificate } from './test-ca';

/** A hosts file with localhost and `lines`. */
export function hostsFile(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-doctor-hosts-')), 'hosts');
  writeFileSync(file, `127.0.0.1 localhost\n${lines.join('\n')}\n`);
  return file;
}

/**
 * doctor's screens, for an issue note: printed only when PTUNNEL_TEST_SHOW_DOCTOR=1, since its
 * "FAIL ..." lines read like test failures in a CI log.
 */
function show(args: string[], text: string): void {
  if (process.env.PTUNNEL_TEST_SHOW_DOCTOR === '1') process.stdout.write(`--- ptunnel doctor ${args.join(' ')}\n${text}`);
}

/** No resolver that answers (unless the test gives --dns) and a short connect timeout. */
function quiet(args: string[]): string[] {
  return [...(args.includes('--dns') ? [] : ['--dns', '127.0.0.1:1']), '--connect-timeout', '3s'];
}

/** `ptunnel doctor ARGS` in-process, with no resolver that answers and a short connect timeout. */
export async function doctor(args: string[]): Promise<{ code: number; out: string }> {
  const { out, io } = captureIo({});
  const code = await dispatch(['doctor', ...quiet(args), ...args], io);
  show(args, `${out.stdout}${out.stderr}`);
  return { code, out: out.stdout };
}

/**
 * The same through the built CLI in a child process: for PACs (their sandbox loads a module
 * jest's runtime cannot) and for settings read from the environment (gsettings).
 */
export async function doctorCli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): Promise<{ code: number | null; out: string }> {
  const r = await runCliAsync(['doctor', ...quiet(args), ...args], env);
  show(args, `${r.stdout}${r.stderr}`);
  return { code: r.status, out: r.stdout };
}

export interface TestMail {
  /** The presets folder with testmail.yaml. */
  dir: string;
  imapPort: number;
  smtpPort: number;
  close(): Promise<void>;
}

/** A user preset of two mail servers of our own on high ports, behind names squid resolves. */
export async function testMail(): Promise<TestMail> {
  const cert = makeTestCertificate(['imap.test.example', 'smtp.test.example']);
  const imapPort = await freePort();
  const smtpPort = await freePort();
  const imap = await startImapsServer('127.0.0.1', imapPort, cert, 'imap.test.example');
  const smtp = await startSubmissionServer('127.0.0.1', smtpPort, cert, 'smtp.test.example');
  const dir = mkdtempSync(join(tmpdir(), 'ptunnel-doctor-presets-'));
  writeFileSync(
    join(dir, 'testmail.yaml'),
    [
      'name: testmail',
      'description: test mail servers',
      'tunnels:',
      `  - { local: 19993, host: imap.test.example, port: ${imapPort} }`,
      `  - { local: 15587, host: smtp.test.example, port: ${smtpPort} }`,
      'client:',
      `  - { protocol: IMAP, server: imap.test.example, port: ${imapPort}, security: SSL/TLS }`,
      `  - { protocol: SMTP, server: smtp.test.example, port: ${smtpPort}, security: STARTTLS }`,
      'notes: []',
      '',
    ].join('\n'),
  );
  return { dir, imapPort, smtpPort, close: async () => void (await Promise.all([imap.close(), smtp.close()])) };
}

/** What squid resolves the test names to. */
export const testHosts = { 'imap.test.example': '127.0.0.1', 'smtp.test.example': '127.0.0.1' };
