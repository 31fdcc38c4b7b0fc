#!/usr/bin/env node
'use strict';
// BASELINE ONLY, not part of ptunnel: the "naive 60-line Node tunnel" of issue 7, built on
// nothing but `net` and `pipe`. It does what most hand-written tunnels do: CONNECT through the
// proxy, wait for the blank line, then pipe both ways. No health memory, no fallback, no limits,
// no half-close timeout, no logging. The benchmark compares ptunnel against it.
//
// Usage: node bench/naive-tunnel.js LISTEN_PORT PROXY_HOST:PROXY_PORT TARGET_HOST:TARGET_PORT
const net = require('node:net');

const [listenPort, proxy, target] = process.argv.slice(2);
if (!listenPort || !proxy || !target) {
  console.error('usage: naive-tunnel.js LISTEN_PORT PROXY_HOST:PROXY_PORT TARGET_HOST:TARGET_PORT');
  process.exit(2);
}
const [proxyHost, proxyPort] = proxy.split(':');

const server = net.createServer((client) => {
  client.pause(); // hold the client's bytes until the proxy says 200
  const upstream = net.connect(Number(proxyPort), proxyHost);
  const fail = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', fail);
  upstream.on('error', fail);
  upstream.once('connect', () => {
    upstream.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n`);
  });
  let head = Buffer.alloc(0);
  const onHead = (chunk) => {
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) {
      if (head.length > 16384) fail();
      return;
    }
    upstream.removeListener('data', onHead);
    upstream.pause();
    if (!/^HTTP\/1\.[01] 2\d\d/.test(head.toString('latin1', 0, 16))) return fail();
    const rest = head.subarray(end + 4);
    if (rest.length > 0) client.write(rest); // the server may speak first
    client.pipe(upstream);
    upstream.pipe(client);
  };
  upstream.on('data', onHead);
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
});

server.listen(Number(listenPort), '127.0.0.1', () => {
  console.log(`naive tunnel listening on 127.0.0.1:${listenPort} -> ${proxy} -> ${target}`);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
