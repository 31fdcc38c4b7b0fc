import {
  chownSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  Stats,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join, win32 } from 'node:path';
import { PtunnelError, systemCode, usageError } from '../errors';
import { cryptoModule } from '../util/builtins';
import { MAX_HOSTS_FILE_BYTES, readBoundedFile } from '../util/files';

export function defaultHostsPath(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return win32.join(env.SystemRoot ?? env.windir ?? 'C:\\Windows', 'System32', 'drivers', 'etc', 'hosts');
  return '/etc/hosts';
}

function fileError(path: string, action: string, err: unknown): PtunnelError {
  const code = systemCode(err);
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    const how =
      code === 'EROFS'
        ? 'the file system is read-only'
        : `permission denied; run it as root (sudo ptunnel hosts ...)${process.platform === 'win32' ? ' or from an Administrator prompt' : ''}`;
    return usageError('ERR_HOSTS_FILE', `cannot ${action} hosts file ${path}: ${how} (the file was not changed)`, err);
  }
  if (code === 'ENOENT') return usageError('ERR_HOSTS_FILE', `hosts file ${path} does not exist; give the right one with --file PATH`, err);
  return usageError('ERR_HOSTS_FILE', `cannot ${action} hosts file ${path}: ${(err as Error).message}`, err);
}

/**
 * Hosts files are read and written as latin1, one character per byte, so that bytes that are not
 * UTF-8 (Windows hosts files are often in the ANSI code page) survive an edit unchanged; the
 * lines ptunnel writes are ASCII.
 */
const BYTES = 'latin1';

export function readHostsFile(path: string): string {
  try {
    return readBoundedFile(path, 'hosts file', 'ERR_HOSTS_FILE', MAX_HOSTS_FILE_BYTES).toString(BYTES);
  } catch (err) {
    if (err instanceof PtunnelError) throw err;
    throw fileError(path, 'read', err);
  }
}

export function backupPath(path: string): string {
  return `${path}.ptunnel.bak`;
}

function writeFull(path: string, text: string, flags: string, mode?: number): void {
  const fd = openSync(path, flags, mode);
  try {
    if (mode !== undefined && process.platform !== 'win32') fchmodSync(fd, mode); // the umask must not narrow it
    const data = Buffer.from(text, BYTES);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function keepOwner(file: string, st: Stats): boolean {
  if (process.platform === 'win32') return true;
  try {
    chownSync(file, st.uid, st.gid);
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the hosts file with `text`: a backup of the old content next to it, then a temporary
 * file in the same folder renamed over the original, with the original's mode and owner, so a
 * reader never sees half a file. Two cases cannot rename and rewrite the file in place instead
 * (the backup is already there): a hosts file that is a bind mount (Docker and Kubernetes mount
 * /etc/hosts into containers; rename gives EBUSY), and an owner we cannot give a new file.
 * Symlinks are followed so that the link itself survives.
 */
export function writeHostsFile(path: string, text: string, oldText: string): { backup: string } {
  let target: string;
  let st: Stats;
  try {
    target = realpathSync(path);
    st = statSync(target);
    // Opening for writing (without truncating) asks the kernel with the effective ids, unlike
    // access(2); a file we may not write is refused before anything is created or renamed.
    closeSync(openSync(target, 'r+'));
  } catch (err) {
    throw fileError(path, 'write', err);
  }
  const mode = st.mode & 0o7777;
  const backup = backupPath(target);
  const tmp = join(dirname(target), `.${basename(target)}.ptunnel-${cryptoModule().randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFull(backup, oldText, 'w', mode);
    writeFull(tmp, text, 'wx', mode);
    if (!keepOwner(tmp, st)) {
      unlinkSync(tmp);
      writeFileSync(target, text, BYTES);
      return { backup };
    }
    try {
      renameSync(tmp, target);
    } catch (err) {
      const code = systemCode(err);
      if (code !== 'EBUSY' && code !== 'EXDEV') throw err;
      unlinkSync(tmp);
      writeFileSync(target, text, BYTES);
    }
    return { backup };
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw fileError(path, 'write', err);
  }
}
