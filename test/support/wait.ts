export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `what` until it holds or `ms` passed; what it says then (assert on it, for a clear diff). */
export async function until(what: () => boolean, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!what() && Date.now() < deadline) await sleep(20);
  return what();
}
