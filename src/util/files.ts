import { closeSync, constants, fstatSync, openSync, readSync, Stats } from 'node:fs';
import { ErrorCode, PtunnelError, systemCode, usageError } from '../errors';

/** The most any file ptunnel reads whole may hold: settings, secrets, certificates, presets. */
export const MAX_FILE_BYTES = 1024 * 1024;

/** Hosts files are the exception: ad-blocking lists of 100,000+ lines run to several MiB. */
export const MAX_HOSTS_FILE_BYTES = 64 * 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a file';
}

const sizeText = (bytes: number) => (bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`);

/**
 * The whole of a regular file (a symlink to one is fine), at most `limit` bytes. /dev/zero, a FIFO
 * or a huge file would otherwise grow the process without bound or hang it: the open does not
 * block (O_NONBLOCK, so a FIFO without a writer cannot hang it), the descriptor is checked before
 * anything is read, and the read stops one byte past the limit however the file grows meanwhile.
 * `what` names the file in messages ("proxy CA file"); a refused file is a usage error with
 * `code`; a failing open or read is thrown as the system error, for callers with their own
 * wording (see readNamedFile).
 */
export function readBoundedFile(file: string, what: string, code: ErrorCode, limit = MAX_FILE_BYTES): Buffer {
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw usageError(code, `${what} ${file} is not a regular file (it is ${kindOf(st)}); give the path of a file`);
    const tooBig = () => usageError(code, `${what} ${file} is larger than ${sizeText(limit)}, the most ptunnel reads; give a smaller file`);
    if (st.size > limit) throw tooBig();
    // Sized by the stat, plus room to notice growth; files that stat as empty (/proc) still read.
    let buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let used = 0;
    for (;;) {
      if (used === buf.length) buf = Buffer.concat([buf, Buffer.alloc(Math.min(buf.length, limit + 1 - buf.length))]);
      const n = readSync(fd, buf, used, buf.length - used, null);
      if (n === 0) break;
      used += n;
      if (used > limit) throw tooBig();
    }
    return buf.subarray(0, used);
  } finally {
    closeSync(fd);
  }
}

/** As readBoundedFile, with a failing open or read reported as "cannot read <what> <file>: ...". */
export function readNamedFile(file: string, what: string, code: ErrorCode, limit = MAX_FILE_BYTES): Buffer {
  try {
    return readBoundedFile(file, what, code, limit);
  } catch (err) {
    if (err instanceof PtunnelError) throw err;
    // The container image runs as uid 65532, which a secret mounted with mode 600 shuts out.
    const hint = systemCode(err) === 'EACCES' ? `; ptunnel runs as uid ${process.geteuid?.() ?? '?'}: make the file readable to it (chmod 644, or chown ${process.geteuid?.() ?? 'UID'}; the container image runs as uid 65532)` : '';
    throw usageError(code, `cannot read ${what} ${file}: ${(err as Error).message}${hint}`, err);
  }
}

/**
 * The lines of a system file such as /etc/hosts or /etc/resolv.conf, or none when it cannot be
 * read: a missing file there means "no entries", not an error.
 */
export function readLines(file: string): string[] {
  try {
    return readBoundedFile(file, 'file', 'ERR_CONFIG', MAX_HOSTS_FILE_BYTES).toString('utf8').split('\n');
  } catch {
    return [];
  }
}
