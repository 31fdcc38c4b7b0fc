/**
 * `load` run on the first call, its result kept for every later one (null and undefined too).
 * For code and modules required on first use, to keep them off start-up.
 */
export function once<T>(load: () => T): () => T {
  let loaded = false;
  let value: T;
  return () => {
    if (!loaded) {
      value = load();
      loaded = true;
    }
    return value;
  };
}
