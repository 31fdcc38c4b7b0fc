import net from 'node:net';
import { serve, TestServer } from '../support/servers';
import { startTunnel } from '../support/tunnel';

/**
 * swaks and fetchmail send QUIT, close their side, and go: the server's late answer (221 Bye)
 * finds a closed socket and the client's kernel answers it with a reset. That is how those
 * clients end a session, not a failure; a reset from a client still talking stays one.
 */
describe('a reset after the client closed its side', () => {
  let server: TestServer;
  beforeAll(async () => {
    // An SMTP server that says goodbye late, once it has the client's FIN, in two writes (a TLS
    // server's last record and its close_notify), and closes later still.
    server = await serve((socket) => {
      socket.write('220 test ESMTP\r\n');
      socket.resume();
      socket.on('end', () =>
        setTimeout(() => {
          if (socket.writable) socket.write('221 2.0.0 Bye\r\n');
          setTimeout(() => socket.writable && socket.write('.\r\n'), 100);
          setTimeout(() => socket.writable && socket.end(), 200);
        }, 50),
      );
    });
  });
  afterAll(async () => {
    await server.close();
  });

  const session = async (finish: (client: net.Socket) => void) => {
    const tunnel = await startTunnel({ flags: { mode: 'direct', tunnels: [`0:127.0.0.1:${server.port}`] } });
    const client = net.connect({ port: tunnel.port(), host: '127.0.0.1', allowHalfOpen: true });
    client.on('error', () => undefined);
    await new Promise<void>((r) => client.once('data', () => r()));
    finish(client);
    const [record] = await tunnel.ended(1);
    await tunnel.close();
    return record;
  };

  it('QUIT, FIN, then a reset at the late 221 is client-closed', async () => {
    const record = await session((client) => {
      client.end('QUIT\r\n');
      client.once('data', () => client.resetAndDestroy());
    });
    expect(record).toMatchObject({ route: 'direct', outcome: 'client-closed' });
  });

  it('QUIT and a close before the 221 (the kernel resets it) is client-closed', async () => {
    const record = await session((client) => {
      client.end('QUIT\r\n', () => client.destroy());
    });
    expect(record).toMatchObject({ route: 'direct', outcome: 'client-closed' });
  });

  it('a reset while the client had not ended stays a client reset', async () => {
    const record = await session((client) => {
      client.write('MAIL FROM:<a@b>\r\n', () => setTimeout(() => client.resetAndDestroy(), 20));
    });
    expect(record?.outcome).toMatch(/^client-(reset|error)$/);
  });
});
