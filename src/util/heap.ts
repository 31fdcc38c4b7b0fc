import v8 from 'node:v8';

/** Node flags that size the young generation: an operator who passes one has chosen already. */
const YOUNG_GENERATION_FLAGS = /--(max-semi-space-size|min-semi-space-size|semi-space-growth-factor)\b/;

/**
 * Keeps V8's young generation at its starting size (semi-spaces of 1 MiB) for the life of the
 * process; main.ts calls it before anything else loads, and it matters for the service. Each
 * connection leaves about 20 KiB of short-lived objects; under a stream of short connections V8
 * grows the semi-spaces towards their default maximum (16 MiB each), which costs 25-45 MiB of
 * RSS that is never given back, though what survives a scavenge is a few hundred KiB. The effect
 * is measured in bench/ANALYSIS.md. Set at run time (V8 reads the factor at each growth
 * decision) so that the npm bin, the one-file binary and the image need no node flags; a
 * young-generation flag in NODE_OPTIONS or on node's command line wins.
 */
export function keepYoungGenerationSmall(): void {
  if (YOUNG_GENERATION_FLAGS.test(`${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`)) return;
  v8.setFlagsFromString('--semi-space-growth-factor=1');
}
