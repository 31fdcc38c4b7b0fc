import { loadConfig } from '../../src/config/load';

/* The duplicate-port error named 127.0.0.1 for both, although the first mapping listened on 0.0.0.0. */
function collision(flags: Record<string, unknown>): string {
  try {
    loadConfig({ env: {}, flags });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a collision');
}

it('names the address each side listens on when they differ', () => {
  expect(collision({ tunnels: ['0.0.0.0:2000:a.example:1', '2000:b.example:2'] })).toBe(
    'local port 2000 is used twice: by mapping 0.0.0.0:2000:a.example:1 (on 0.0.0.0:2000) and by mapping 2000:b.example:2 (on localhost:2000); give one of them another local port',
  );
  expect(collision({ listen: '::', tunnels: ['127.0.0.1:2000:a.example:1', '2000:b.example:2'] })).toMatch(
    /^local port 2000 is used twice: by mapping 127\.0\.0\.1:2000:a\.example:1 \(on 127\.0\.0\.1:2000\) and by mapping 2000:b\.example:2 \(on \[::\]:2000\);/,
  );
});

it('names the one address once when both sides listen on it', () => {
  expect(collision({ tunnels: ['127.0.0.1:2000:a.example:1', '127.0.0.1:2000:b.example:2'] })).toBe(
    'local port 127.0.0.1:2000 is used twice: by mapping 127.0.0.1:2000:a.example:1 and by mapping 127.0.0.1:2000:b.example:2; give one of them another local port',
  );
});

it('the default listen (localhost) takes both loopbacks: a mapping on either clashes with it', () => {
  expect(collision({ tunnels: ['2000:a.example:1', '127.0.0.1:2000:b.example:2'] })).toBe(
    'local port 2000 is used twice: by mapping 2000:a.example:1 (on localhost:2000) and by mapping 127.0.0.1:2000:b.example:2 (on 127.0.0.1:2000); give one of them another local port',
  );
  // Before, only 127.0.0.1 counted: this pair passed the check and failed later at bind.
  expect(collision({ tunnels: ['2000:a.example:1', '[::1]:2000:b.example:2'] })).toBe(
    'local port 2000 is used twice: by mapping 2000:a.example:1 (on localhost:2000) and by mapping [::1]:2000:b.example:2 (on [::1]:2000); give one of them another local port',
  );
});
