import net from 'node:net';
import { encodeGreeting, encodeRequest, Command, Method } from '../../src/listeners/socks/codec';
import { cleanEnv, RunningCli, startCli } from '../support/cli';
import { freePort } from '../support/ports';
import { readReply } from '../support/socks-client';
import { startEchoServer, TestServer } from '../support/servers';
import { echoOnce } from '../support/transfer';
import { sleep } from '../support/wait';


/*
 * A client of the local SOCKS or HTTP proxy that is refused (a denied destination, a bad
 * greeting) and then resets its connection instead of reading to the end: a port scanner does
 * this, and so does a client killed at the wrong moment. The reset must cost that client only,
 * never the process and the other tunnels in it.
 */
describe('refused SOCKS and HTTP proxy clients that reset', () => {
  let echo: TestServer;
  let cli: RunningCli;
  let socksPort: number;
  let httpPort: number;

  beforeAll(async () => {
    echo = await startEchoServer();
    [socksPort, httpPort] = [await freePort(), await freePort()];
    cli = await startCli(
      ['--mode', 'direct', '--socks', `127.0.0.1:${socksPort}`, '--http-proxy', `127.0.0.1:${httpPort}`, '--deny-dest', '127.0.0.9', `0:127.0.0.1:${echo.port}`],
      1,
      cleanEnv({ PTUNNEL_DNS: '127.0.0.1:1' }),
    );
  });
  afterAll(async () => {
    cli?.proc.kill('SIGTERM');
    await cli?.exited;
    await echo?.close();
  });

  const connected = async (port: number) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    return socket;
  };
  const stillServing = async () => {
    await sleep(300);
    expect(cli.proc.exitCode).toBeNull();
    expect(await echoOnce(cli.ports[0] as number, 'still here\n')).toBe('still here\n');
  };

  it('SOCKS5: a denied destination, REP 2 read, then a reset', async () => {
    const socket = await connected(socksPort);
    socket.write(encodeGreeting([Method.none]));
    await readReply(socket, 2);
    socket.write(encodeRequest(Command.connect, { host: '127.0.0.9', port: 80 }));
    const reply = await readReply(socket, 10);
    expect(reply.bytes[1]).toBe(2);
    socket.resetAndDestroy();
    await stillServing();
  });

  it('SOCKS: a greeting of an unknown version, then a reset', async () => {
    const socket = await connected(socksPort);
    socket.write(Buffer.from([0x06, 0x01, 0x00]));
    await sleep(50);
    socket.resetAndDestroy();
    await stillServing();
  });

  it('HTTP proxy: CONNECT to a denied destination, the 403 read, then a reset', async () => {
    const socket = await connected(httpPort);
    socket.write('CONNECT 127.0.0.9:80 HTTP/1.1\r\nHost: 127.0.0.9:80\r\n\r\n');
    const answer = await readReply(socket, 12);
    expect(answer.bytes.toString('latin1')).toMatch(/^HTTP\/1\.1 403/);
    socket.resetAndDestroy();
    await stillServing();
  });
});
