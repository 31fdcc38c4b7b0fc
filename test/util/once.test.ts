import { once } from '../../src/util/once';

describe('once', () => {
  it('runs the loader on the first call only and keeps what it returned, null included', () => {
    let calls = 0;
    const get = once(() => {
      calls += 1;
      return null;
    });
    expect([get(), get(), get()]).toEqual([null, null, null]);
    expect(calls).toBe(1);
  });

  it('runs the loader again after it threw, as nothing was kept', () => {
    let calls = 0;
    const get = once(() => {
      calls += 1;
      if (calls === 1) throw new Error('not yet');
      return calls;
    });
    expect(() => get()).toThrow('not yet');
    expect([get(), get()]).toEqual([2, 2]);
  });
});
