import dns from 'node:dns';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * How the direct route turns a host name into addresses. This is the seam where ptunnel's own
 * resolver plugs in, so that a hosts-file entry pointing the name at 127.0.0.1 (there for the
 * mail client) never sends ptunnel back into itself.
 */
export type AddressLookup = (host: string, signal?: AbortSignal) => Promise<ResolvedAddress[]>;

/** getaddrinfo: reads the hosts file. Only for callers that want the system's view. */
export const systemLookup: AddressLookup = async (host) => {
  const found = await dns.promises.lookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};
