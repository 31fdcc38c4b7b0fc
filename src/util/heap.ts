import v8 from 'node:v8';

/** Node flags that size the young generation: an operator who passes one has chosen already. */
const YOUNG_GENERATION_FLAGS = /--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/;
/** The flag that paces the old generation's growth; NODE_OPTIONS refuses it, so only node's own command line can carry it. */
const OLD_GENERATION_FLAG = /--heap-growing-percent\b/;

/**
 * Keeps V8's heap close to what the service really holds; main.ts calls it before anything else
 * loads. Both settings take effect at run time (V8 reads them at each growth decision), so the
 * npm bin, the one-file binary and the image need no node flags, and a flag given to node wins.
 * Their effect is measured in bench/ANALYSIS.md.
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
  const given = `${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  if (!YOUNG_GENERATION_FLAGS.test(given)) v8.setFlagsFromString('--semi-space-growth-factor=1');
  if (!OLD_GENERATION_FLAG.test(given)) v8.setFlagsFromString('--heap-growing-percent=30');
}
