/**
 * Why a test that needs root cannot run here, or undefined when it can: `why` says what root is
 * for (ports below 1024, unshare -m). Without root the test skips with that reason; under
 * CI=true, which runs as root, a missing root is a failure, never a skip.
 */
export function needsRoot(why: string): string | undefined {
  if (process.getuid?.() === 0) return undefined;
  if (process.env.CI === 'true') throw new Error(`this test needs root (${why}), and CI=true requires it (CI runs as root)`);
  return `needs root: ${why}`;
}

/** `describe`, or `describe.skip` with the reason in its title when the test needs root and has none. */
export function describeAsRoot(why: string): (title: string, body: () => void) => void {
  const reason = needsRoot(why);
  return reason ? (title, body) => describe.skip(`${title} (skipped: ${reason})`, body) : describe;
}
