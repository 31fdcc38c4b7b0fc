import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { serve, TestServer } from '../support/servers';
import { Child, MiB, mib, rssBytes, sleep, startChild } from './child';

/**
 * A client that stops reading while the server sends 1 GiB: backpressure must reach the server
 * (ptunnel pauses its upstream read when the client side cannot take more), so ptunnel's memory
 * stays flat. Then the client reads again and gets every byte, in order (sha256).
 */
const TOTAL = 1024 * MiB;
const signed = (bytes: number) => `${bytes < 0 ? '-' : '+'}${mib(Math.abs(bytes))}`;
const CHUNK = 64 * 1024;

/**
 * What the kernel may hold between the server and a client that reads nothing: two sending and
 * two receiving TCP buffers (server -> ptunnel, ptunnel -> client), each grown by autotuning up
 * to the third tcp_wmem / tcp_rmem figure. That is a machine setting (4 MiB + 6 MiB on stock
 * Linux, 32 MiB of receive buffer on some), so the bound on "ahead" is read from it; ptunnel's own
 * share is the 8 MiB on top (its stream buffers and the clients' highWaterMarks are far less).
 */
function kernelBufferBound(): number {
  const max = (name: string) => Number(readFileSync(`/proc/sys/net/ipv4/${name}`, 'utf8').trim().split(/\s+/)[2]);
  return 2 * max('tcp_wmem') + 2 * max('tcp_rmem') + 8 * MiB;
}

describe('a client that stops reading', () => {
  let server: TestServer;
  let child: Child;
  afterAll(async () => {
    await child?.stop();
    await server?.close();
  });

  it('keeps ptunnel within 32 MiB of its baseline while the server sends 1 GiB, and loses nothing', async () => {
    // What the server sent on each connection, in the order they came: the baseline's, then the
    // measured one. Per connection, because the baseline's server side goes on writing until
    // ptunnel has passed on its client's close: with one shared count, whatever it wrote after
    // the count was reset was taken off the measured stream (a CI run once got a clean stream 37
    // chunks short that way, a kernel send buffer's worth).
    const sent: { bytes: number; hash: string }[] = [];
    server = await serve((socket) => {
      const mine = { bytes: 0, hash: '' };
      sent.push(mine);
      const hash = createHash('sha256');
      const block = Buffer.alloc(CHUNK);
      let n = 0;
      const more = () => {
        while (mine.bytes < TOTAL) {
          const chunk = Buffer.from(block);
          chunk.writeUInt32BE(n++, 0);
          chunk.writeUInt32BE(n * 2654435761 >>> 0, CHUNK - 4);
          hash.update(chunk);
          mine.bytes += CHUNK;
          if (!socket.write(chunk)) return void socket.once('drain', more);
        }
        mine.hash = hash.digest('hex');
        socket.end();
      };
      more();
    });
    /** Bytes the server has sent on the measured (second) connection. */
    const written = () => sent[1]?.bytes ?? 0;
    child = await startChild(['--mode', 'direct', `0:127.0.0.1:${server.port}`], 1);
    // The baseline after one small connection, so that the first-use costs are in it.
    await new Promise<void>((resolve) => {
      const s = net.connect(child.ports[0] as number, '127.0.0.1');
      s.once('data', () => {
        s.destroy();
        resolve();
      });
    });
    await sleep(1000);
    const baseline = rssBytes(child.pid);

    const client = net.connect({ port: child.ports[0] as number, host: '127.0.0.1' });
    client.pause();
    const hash = createHash('sha256');
    let received = 0;
    let ended = false;
    const done = new Promise<void>((resolve, reject) => {
      client.on('data', (c: Buffer) => {
        hash.update(c);
        received += c.length;
      });
      client.on('end', () => {
        ended = true;
        resolve();
      });
      client.on('error', reject);
    });

    /** The client reads nothing for 4 s: ptunnel's peak RSS then, and whether the server stopped. */
    const stall = async () => {
      client.pause();
      const start = rssBytes(child.pid);
      let peak = start;
      const progress: number[] = [];
      for (let i = 0; i < 16; i++) {
        await sleep(250);
        peak = Math.max(peak, rssBytes(child.pid));
        progress.push(written());
      }
      return { start, peak, ahead: written() - received, stuck: progress[15] === progress[10] };
    };

    // Stalled from the start, then again after a quarter has been read.
    const first = await stall();
    let overall = Math.max(baseline, first.peak);
    const sampler = setInterval(() => (overall = Math.max(overall, rssBytes(child.pid))), 100);
    const t0 = Date.now();
    client.resume();
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (received >= TOTAL / 4 || ended) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const second = await stall();
    client.resume();
    await done;
    clearInterval(sampler);
    const seconds = (Date.now() - t0 - 4000) / 1000;
    client.destroy();

    console.log(
      `slow reader: baseline ${mib(baseline)}; stalled at start: peak ${mib(first.peak)} (${signed(first.peak - baseline)}), ` +
        `server ${mib(first.ahead)} ahead of the client; stalled after ${mib(TOTAL / 4)}: peak ${mib(second.peak)} ` +
        `(${signed(second.peak - baseline)}, ${signed(second.peak - second.start)} during the stall), server ${mib(second.ahead)} ahead (kernel buffers allow ${mib(kernelBufferBound())}); peak while reading at full speed ` +
        `${mib(overall)} (${signed(overall - baseline)}); 1 GiB in ${seconds.toFixed(1)} s of reading`,
    );
    // Backpressure reached the server: it stopped (only socket buffers in between) and stayed stopped.
    const bound = kernelBufferBound();
    for (const s of [first, second]) {
      expect(s.stuck).toBe(true);
      expect(s.ahead).toBeLessThan(bound);
    }
    expect(first.peak - baseline).toBeLessThan(32 * MiB);
    // After 256 MiB at full speed RSS still holds that phase's garbage (read buffers not yet
    // collected); what matters is that the stall itself adds nothing.
    expect(second.peak - second.start).toBeLessThan(8 * MiB);
    // At full speed the figure is garbage not yet collected (read buffers), not a backlog.
    expect(overall - baseline).toBeLessThan(64 * MiB);
    expect(sent).toHaveLength(2);
    expect(written()).toBe(TOTAL);
    expect(received).toBe(TOTAL);
    expect(hash.digest('hex')).toBe(sent[1]?.hash);
    expect(child.running()).toBe(true);
  });
});
