import net from 'node:net';
import { formatHostPort } from '../net/address';
import { PtunnelError, systemCode } from '../errors';
import { ipFamily } from '../util/ip';

/** Binds one server, turning the usual failures into one line that says what to do. */
export function listen(server: net.Server, host: string, port: number): Promise<net.AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => {
      server.removeListener('listening', onListening);
      reject(listenError(err, host, port));
    };
    const onListening = () => {
      server.removeListener('error', onError);
      resolve(server.address() as net.AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, exclusive: true });
  });
}

export function listenError(err: Error, host: string, port: number): PtunnelError {
  const where = formatHostPort(host, port);
  const code = systemCode(err);
  let message: string;
  switch (code) {
    case 'EADDRINUSE':
      message = `cannot listen on ${where}: the port is already in use (another ptunnel?); stop that program or pick another local port`;
      break;
    case 'EACCES':
    case 'EPERM':
      message =
        port < 1024
          ? `cannot listen on ${where}: ports below 1024 need privilege; use a local port of 1024 or more (presets: drop --local-ports same), or grant CAP_NET_BIND_SERVICE (containers: --cap-add NET_BIND_SERVICE), or set the sysctl net.ipv4.ip_unprivileged_port_start=0 (Docker and Podman set it in containers; Kubernetes: the pod's securityContext.sysctls)`
          : `cannot listen on ${where}: permission denied`;
      break;
    case 'EADDRNOTAVAIL':
      message = `cannot listen on ${where}: ${host} is not an address of this machine; use 127.0.0.1, 0.0.0.0 or one of its own addresses`;
      break;
    case 'EAFNOSUPPORT':
      message = `cannot listen on ${where}: this machine has no ${ipFamily(host) === 6 ? 'IPv6' : 'IPv4'} support`;
      break;
    default:
      message = `cannot listen on ${where}: ${code ?? err.message}`;
  }
  return new PtunnelError('ERR_LISTEN', message, { cause: err, userError: true, details: { host, port } });
}
