import { Attempt, settleOnce } from '../../src/net/settle';

const aborted = () => new Error('aborted');

/** Starts an attempt that records how it was released and hands its Attempt out. */
function start(options: { timeoutMs?: number; signal?: AbortSignal } = {}) {
  const released: Array<Error | undefined> = [];
  let handle: Attempt<string> | undefined;
  const promise = settleOnce<string>({ timeoutMs: options.timeoutMs ?? 10_000, signal: options.signal, aborted }, (attempt) => {
    handle = attempt;
    return { timeout: () => new Error('timed out'), release: (err) => released.push(err) };
  });
  return { promise, released, attempt: () => handle as Attempt<string> };
}

describe('settleOnce', () => {
  it('settles with the first result, releases once, and ignores what comes after', async () => {
    const t = start();
    t.attempt().resolve('first');
    t.attempt().reject(new Error('late'));
    t.attempt().resolve('later');
    await expect(t.promise).resolves.toBe('first');
    expect(t.released).toEqual([undefined]);
    expect(t.attempt().settled).toBe(true);
  });

  it('releases with the error when the attempt fails', async () => {
    const t = start();
    const err = new Error('refused');
    t.attempt().reject(err);
    await expect(t.promise).rejects.toBe(err);
    expect(t.released).toEqual([err]);
  });

  it('fails with the attempt\'s own timeout error, built when the timer fires', async () => {
    const t = start({ timeoutMs: 5 });
    await expect(t.promise).rejects.toThrow('timed out');
    expect(t.released).toHaveLength(1);
  });

  it('fails with the abort error when the signal aborts, and stops listening to it', async () => {
    const controller = new AbortController();
    const removed = jest.spyOn(controller.signal, 'removeEventListener');
    const t = start({ signal: controller.signal });
    controller.abort();
    await expect(t.promise).rejects.toThrow('aborted');
    expect(removed).toHaveBeenCalledWith('abort', expect.any(Function));
    expect(t.released).toHaveLength(1);
  });

  it('does not start an attempt whose signal has already aborted', async () => {
    const started = jest.fn();
    const promise = settleOnce({ timeoutMs: 1000, signal: AbortSignal.abort(), aborted }, () => {
      started();
      return { timeout: () => new Error('x'), release: () => undefined };
    });
    await expect(promise).rejects.toThrow('aborted');
    expect(started).not.toHaveBeenCalled();
  });

  it('releases an attempt that settled while it was starting, and arms no timer', async () => {
    jest.useFakeTimers();
    try {
      const released: Array<Error | undefined> = [];
      const promise = settleOnce<number>({ timeoutMs: 1000, aborted }, (attempt) => {
        attempt.resolve(42);
        return { timeout: () => new Error('x'), release: (err) => released.push(err) };
      });
      expect(jest.getTimerCount()).toBe(0);
      await expect(promise).resolves.toBe(42);
      expect(released).toEqual([undefined]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('clears its timer once settled', async () => {
    jest.useFakeTimers();
    try {
      const t = start({ timeoutMs: 1000 });
      expect(jest.getTimerCount()).toBe(1);
      t.attempt().resolve('done');
      expect(jest.getTimerCount()).toBe(0);
      await expect(t.promise).resolves.toBe('done');
    } finally {
      jest.useRealTimers();
    }
  });
});
