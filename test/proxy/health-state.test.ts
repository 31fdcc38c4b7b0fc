import { ProxyHealth, ProxyState, Timers } from '../../src/proxy/health';

/** Timers the test fires by hand: no sleeping. */
function manualTimers() {
  const pending: Array<{ fn: () => void; ms: number; id: number }> = [];
  let next = 1;
  const timers: Timers = {
    set: (fn, ms) => {
      const id = next++;
      pending.push({ fn, ms, id });
      return id;
    },
    clear: (id) => {
      const i = pending.findIndex((p) => p.id === id);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return {
    timers,
    pending,
    fire() {
      const t = pending.shift();
      if (!t) throw new Error('no timer pending');
      t.fn();
      return t.ms;
    },
  };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('proxy health memory', () => {
  it('goes up -> backoff -> probing -> up, doubling the back-off up to the maximum while probes fail', async () => {
    const clock = manualTimers();
    const states: ProxyState[] = [];
    let probeOk = false;
    const health = new ProxyHealth({
      probe: () => (probeOk ? Promise.resolve() : Promise.reject(new Error('ECONNREFUSED'))),
      minBackoffMs: 5000,
      maxBackoffMs: 20_000,
      timers: clock.timers,
      onChange: (s) => states.push(s),
    });
    expect(health.usable).toBe(true);
    health.reportFailure('ECONNREFUSED');
    expect(health.state).toBe('backoff');
    expect(health.usable).toBe(false);
    health.reportFailure('again'); // more failures while down change nothing
    expect(clock.pending).toHaveLength(1);

    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      waits.push(clock.fire());
      expect(health.state).toBe('probing');
      await flush();
      expect(health.state).toBe('backoff');
    }
    expect(waits).toEqual([5000, 10_000, 20_000, 20_000]);

    probeOk = true;
    clock.fire();
    await flush();
    expect(health.state).toBe('up');
    expect(health.usable).toBe(true);
    expect(states.slice(0, 3)).toEqual(['backoff', 'probing', 'backoff']);
    expect(states.at(-1)).toBe('up');

    // A new outage starts again from the minimum back-off.
    health.reportFailure('down again');
    expect(clock.pending[0]?.ms).toBe(5000);
  });

  it('returns to up at once when a real connection through the proxy works', () => {
    const clock = manualTimers();
    const health = new ProxyHealth({ probe: () => new Promise(() => undefined), timers: clock.timers });
    health.reportFailure('timeout');
    health.reportSuccess();
    expect(health.state).toBe('up');
    expect(clock.pending).toHaveLength(0);
  });

  it('schedules nothing after stop()', async () => {
    const clock = manualTimers();
    const health = new ProxyHealth({ probe: () => Promise.reject(new Error('x')), timers: clock.timers });
    health.reportFailure('x');
    health.stop();
    expect(clock.pending).toHaveLength(0);
  });
});
