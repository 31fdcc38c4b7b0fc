/**
 * Runs `f` with the effective user and groups of "nobody", then restores root. Tests run as
 * root, who may write any file and bind any port; dropping the effective ids (the saved id stays
 * root, so it can come back) lets a test see what an ordinary user gets from the kernel. glibc
 * applies seteuid to every thread, so libuv's thread pool drops with us. Everything the test
 * needs must already be loaded: jest cannot write its cache meanwhile.
 */
export async function asNobody<T>(f: () => Promise<T> | T): Promise<T> {
  if (process.getuid?.() !== 0) return f();
  const groups = process.getgroups?.() ?? [0];
  process.setgroups?.([65534]);
  process.setegid?.(65534);
  process.seteuid?.(65534);
  try {
    return await f();
  } finally {
    process.seteuid?.(0);
    process.setegid?.(0);
    process.setgroups?.(groups);
  }
}
