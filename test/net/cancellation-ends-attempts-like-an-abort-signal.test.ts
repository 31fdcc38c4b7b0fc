import { Cancellation, CancelSignal, settleOnce } from '../../src/net/settle';

const aborted = () => new Error('aborted');

/** A connection's Cancellation must end an attempt exactly as an AbortController does. */
const kinds: Array<[string, () => { signal: CancelSignal; abort(): void }]> = [
  ['AbortController', () => {
    const c = new AbortController();
    return { signal: c.signal, abort: () => c.abort() };
  }],
  ['Cancellation', () => {
    const c = new Cancellation();
    return { signal: c, abort: () => c.abort() };
  }],
];

function attempt(signal: CancelSignal) {
  const released: Array<Error | undefined> = [];
  let resolve: (v: string) => void = () => undefined;
  const promise = settleOnce<string>({ timeoutMs: 10_000, signal, aborted }, (a) => {
    resolve = a.resolve;
    return { timeout: () => new Error('timed out'), release: (err) => released.push(err) };
  });
  return { promise, released, resolve: (v: string) => resolve(v) };
}

describe.each(kinds)('settleOnce with a %s', (_name, make) => {
  it('fails with the abort error once it aborts, and releases once', async () => {
    const c = make();
    const t = attempt(c.signal);
    c.abort();
    c.abort();
    await expect(t.promise).rejects.toThrow('aborted');
    expect(t.released).toHaveLength(1);
  });

  it('is not started when already aborted', async () => {
    const c = make();
    c.abort();
    const started = jest.fn();
    const promise = settleOnce({ timeoutMs: 1000, signal: c.signal, aborted }, () => {
      started();
      return { timeout: () => new Error('x'), release: () => undefined };
    });
    await expect(promise).rejects.toThrow('aborted');
    expect(started).not.toHaveBeenCalled();
  });

  it('stops listening once settled: a later abort changes nothing', async () => {
    const c = make();
    const t = attempt(c.signal);
    t.resolve('open');
    c.abort();
    await expect(t.promise).resolves.toBe('open');
    expect(t.released).toEqual([undefined]);
  });

  it('serves attempts one after another (proxy, then the direct fallback): only the live one ends', async () => {
    const c = make();
    const first = attempt(c.signal);
    first.resolve('proxy failed over');
    await first.promise;
    const second = attempt(c.signal);
    c.abort();
    await expect(second.promise).rejects.toThrow('aborted');
    expect(first.released).toEqual([undefined]);
  });
});

describe('Cancellation', () => {
  it('calls each listener once, in the order added, and none that was removed or came after', () => {
    const c = new Cancellation();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    const gone = () => calls.push('removed');
    c.addEventListener('abort', a);
    c.addEventListener('abort', gone);
    c.addEventListener('abort', b);
    c.removeEventListener('abort', gone);
    c.removeEventListener('abort', () => calls.push('never added'));
    c.abort();
    c.addEventListener('abort', () => calls.push('late'));
    c.abort();
    expect(calls).toEqual(['a', 'b']);
    expect(c.aborted).toBe(true);
  });
});
