import v8 from 'node:v8';

/** Node flags that size the young generation: an operator who passes one has chosen already. */
const YOUNG_GENERATION_FLAGS = /--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/;
/** The flag that paces the old generation's growth; NODE_OPTIONS refuses it, so only node's own command line can carry it. */
const OLD_GENERATION_FLAG = /--heap-growing-percent\b/;

/**
 * The Node built-ins that a tunnel loads on its way to listening and Node's own start-up has not:
 * keepHeapSmall loads them before it changes a flag (see there). A test compares the list with
 * what a plain run has loaded once it listens.
 */
export const START_UP_BUILTINS = [
  'node:net',
  'node:dns',
  'node:dgram',
  'node:child_process',
  'node:cluster',
  'node:http',
  'node:os',
  'node:stream',
  'node:stream/promises',
  'node:string_decoder',
  'node:diagnostics_channel',
  'node:sea',
  'node:v8',
];

/**
 * Keeps V8's heap close to what the service really holds; main.ts calls it before the CLI's
 * modules load, as start-up's own allocations would otherwise grow the young generation once
 * already (2 MiB more for the life of the service). Both settings take effect at run time (V8
 * reads them at each growth decision), so the npm bin, the one-file binary and the image need no
 * node flags, and a flag given to node wins. Their effect is measured in bench/ANALYSIS.md.
 *
 * Changing a V8 flag at run time changes V8's flag hash, and V8 then refuses the code cache that
 * Node compiles its own built-in modules from: each built-in loaded afterwards is compiled from
 * source, which cost 9 ms of the 80 ms to listening here. So the built-ins of start-up are loaded
 * first (cheap, from the cache), and only those a tunnel loads on first use (TLS, crypto) pay.
 *
 * - The young generation stays at its starting size (semi-spaces of 1 MiB). Each connection
 *   leaves about 20 KiB of short-lived objects; under a stream of short connections V8 grows the
 *   semi-spaces towards their default maximum (16 MiB each), which costs 25-45 MiB of RSS that
 *   is never given back, though what survives a scavenge is a few hundred KiB.
 * - The old generation may grow to 1.3 times what survived the last full collection before the
 *   next one. V8's own factor, 1.1 to 4 by how fast it collects against how fast the program
 *   allocates, lets a process whose live heap is 10 MiB grow to 25 MiB of old space between
 *   collections: connections' state that outlived a scavenge and is already garbage.
 */
export function keepHeapSmall(): void {
  for (const name of START_UP_BUILTINS) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(name);
    } catch {
      // node:sea is missing before Node 20.12; whatever else is missing is loaded from source later.
    }
  }
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!YOUNG_GENERATION_FLAGS.test(given)) v8.setFlagsFromString('--semi-space-growth-factor=1');
  if (!OLD_GENERATION_FLAG.test(given)) v8.setFlagsFromString('--heap-growing-percent=30');
}
