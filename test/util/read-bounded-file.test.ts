import { execFileSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_FILE_BYTES, readBoundedFile, readNamedFile } from '../../src/util/files';

const dir = mkdtempSync(join(tmpdir(), 'ptunnel-read-bounded-'));
const file = (name: string, text: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readBoundedFile', () => {
  it('reads a regular file, and one through a symlink', () => {
    const path = file('ok', 'hello\n');
    const link = join(dir, 'ok-link');
    symlinkSync(path, link);
    expect(readBoundedFile(path, 'file', 'ERR_CONFIG').toString()).toBe('hello\n');
    expect(readBoundedFile(link, 'file', 'ERR_CONFIG').toString()).toBe('hello\n');
  });

  it('reads a file of exactly the limit and refuses one byte more', () => {
    expect(readBoundedFile(file('exact', Buffer.alloc(MAX_FILE_BYTES, 0x61)), 'file', 'ERR_CONFIG')).toHaveLength(MAX_FILE_BYTES);
    expect(() => readBoundedFile(file('over', Buffer.alloc(MAX_FILE_BYTES + 1, 0x61)), 'secret', 'ERR_CONFIG')).toThrow(/secret .*over is larger than 1 MiB/);
  });

  it('refuses a FIFO without waiting for a writer', () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(() => readBoundedFile(fifo, 'file', 'ERR_CONFIG')).toThrow(/is not a regular file \(it is a named pipe\)/);
  });

  it('refuses a directory and /dev/zero', () => {
    expect(() => readBoundedFile(dir, 'file', 'ERR_PRESET')).toThrow(expect.objectContaining({ code: 'ERR_PRESET', message: expect.stringMatching(/is not a regular file \(it is a directory\)/) }));
    expect(() => readBoundedFile('/dev/zero', 'file', 'ERR_CONFIG')).toThrow(/\/dev\/zero is not a regular file \(it is a character device\)/);
  });

  it('throws the system error for a missing file; readNamedFile words it', () => {
    expect(() => readBoundedFile(join(dir, 'none'), 'file', 'ERR_CONFIG')).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => readNamedFile(join(dir, 'none'), 'proxy CA file', 'ERR_CONFIG')).toThrow(/^cannot read proxy CA file .*none: ENOENT/);
  });
});
