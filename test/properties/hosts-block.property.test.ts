import fc from 'fast-check';
import { PtunnelError } from '../../src/errors';
import { applyBlock, blockText, detectEol, findBlocks, removeBlock } from '../../src/hosts/block';

const WHERE = '/etc/hosts';
const LINES = ['127.0.0.1 imap.gmail.com', '127.0.0.1 smtp.gmail.com'];

// Hosts-file-like text: entries, comments, blank lines, stray CRs, tabs, UTF-8, both line ends,
// with or without a final newline, and words that come close to ptunnel's markers.
const piece = fc.oneof(
  fc.constantFrom('\n', '\r\n', '\r', '\t', ' ', '#', '# BEGIN', '# END', 'ptunnel', '# BEGIN ptunnel', '# END ptunnel', '#BEGIN ptunnel gmail x', 'BEGIN ptunnel gmail', '127.0.0.1 localhost', '::1 ip6-localhost', 'Gerät', '\u00a0'),
  fc.string({ maxLength: 12 }),
);
const fileText = fc.array(piece, { maxLength: 40 }).map((p) => p.join(''));
/** Files with no ptunnel block at all (findBlocks finds none and does not object). */
const plainFile = fileText.filter((t) => {
  try {
    return findBlocks(t, WHERE).length === 0 && !/^#\s*(BEGIN|END) ptunnel \S+\s*\r?$/m.test(t);
  } catch {
    return false;
  }
});
const name = fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/);

describe('hosts file blocks (property-based)', () => {
  it('apply then remove gives back any file without ptunnel markers byte for byte', () => {
    fc.assert(
      fc.property(plainFile, name, (text, preset) => {
        const applied = applyBlock(text, preset, LINES, WHERE);
        expect(applied).toContain(blockText(preset, LINES, detectEol(applied)));
        expect(removeBlock(applied, preset, WHERE)).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('apply is idempotent, and the rest of the file is kept in front of the block', () => {
    fc.assert(
      fc.property(plainFile, name, fc.array(fc.constantFrom(...LINES, '10.0.0.1 x'), { maxLength: 4 }), (text, preset, lines) => {
        const once = applyBlock(text, preset, lines, WHERE);
        expect(applyBlock(once, preset, lines, WHERE)).toBe(once);
        expect(once.startsWith(text)).toBe(true);
        expect(findBlocks(once, WHERE).map((b) => b.name)).toEqual([preset]);
      }),
      { numRuns: 2000 },
    );
  });

  it('with two presets applied, removing one gives the file with only the other', () => {
    fc.assert(
      fc.property(plainFile, name, name, (text, a, b) => {
        fc.pre(a !== b);
        const withA = applyBlock(text, a, LINES, WHERE);
        const withBoth = applyBlock(withA, b, ['127.0.0.1 other.example'], WHERE);
        expect(removeBlock(removeBlock(withBoth, b, WHERE), a, WHERE)).toBe(text);
        expect(removeBlock(withBoth, b, WHERE)).toBe(withA);
      }),
      { numRuns: 1000 },
    );
  });

  it('on any text at all: a result or a PtunnelError (ERR_HOSTS_FILE), never another exception', () => {
    fc.assert(
      fc.property(fileText, name, (text, preset) => {
        for (const op of [() => applyBlock(text, preset, LINES, WHERE), () => removeBlock(text, preset, WHERE)]) {
          try {
            expect(typeof op()).toBe('string');
          } catch (err) {
            if (!(err instanceof PtunnelError)) throw err;
            expect(err.code).toBe('ERR_HOSTS_FILE');
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
