import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor, testMail, TestMail } from '../support/doctor';

jest.setTimeout(60_000);

/** A pod's /etc/hosts as the kubelet writes it, with the pod spec's hostAliases (or none) at the end. */
function kubeletHosts(aliases: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ptunnel-doctor-pod-')), 'hosts');
  const lines = [
    '# Kubernetes-managed hosts file.',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    '10.244.1.17\tmail-client-7d9f8b6c4-x2x9k',
    ...(aliases.length > 0 ? ['', '# Entries added by HostAliases.', ...aliases] : []),
    '',
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
}

/*
 * In a pod the names reach ptunnel through the pod spec's hostAliases, which the kubelet writes
 * into /etc/hosts: doctor says "hostAliases", and its fix is the pod spec, not "ptunnel hosts
 * --apply" (the kubelet rewrites the file).
 */
describe('ptunnel doctor in a pod (kubelet-managed hosts file)', () => {
  let mail: TestMail;
  beforeAll(async () => {
    mail = await testMail();
  });
  afterAll(async () => {
    await mail.close();
  });

  it('names pointed at ptunnel by hostAliases are reported as hostAliases', async () => {
    const file = kubeletHosts(['127.0.0.1\timap.test.example\tsmtp.test.example']);
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--hosts-file', file]);
    expect(r.out).toContain(`ok   name imap.test.example        hostAliases (in ${file}) point it at 127.0.0.1 (ptunnel)\n`);
    expect(r.out).toContain(`ok   name smtp.test.example        hostAliases (in ${file}) point it at 127.0.0.1 (ptunnel)\n`);
  });

  it('without hostAliases: the fix is the pod spec', async () => {
    const file = kubeletHosts([]);
    const r = await doctor(['--preset', 'testmail', '--presets-dir', mail.dir, '--hosts-file', file]);
    expect(r.out).toContain(
      `FAIL name imap.test.example        hosts file ${file} (written by the kubelet) has no line for it: the mail client goes around ptunnel; ` +
        `fix: add it to the pod's hostAliases with ip 127.0.0.1 (the kubelet rewrites this file; see "ptunnel presets show testmail")\n`,
    );
    expect(r.code).toBe(1);
  });
});
