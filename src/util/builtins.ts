/* eslint-disable @typescript-eslint/no-require-imports -- loading on first use is the point of this file */
import { once } from './once';

/**
 * Node built-ins that a plain `ptunnel --preset gmail` never or only later needs, loaded on first
 * use. Neither is in Node's start-up snapshot: requiring node:crypto or node:tls compiles their
 * internal modules, 2-5 ms apiece on this machine, before the first listener could be open.
 * Modules whose every use is off that path import them normally; the ones on it (connector, DNS,
 * SOCKS, NTLM, CA and hosts-file code) go through here. node:dgram and node:child_process are
 * not here: net's listen() loads both itself (through cluster).
 */

/** TLS to an https:// proxy. */
export const tlsModule = once(() => require('node:tls') as typeof import('node:tls'));
/** DNS query IDs, SOCKS password checks. */
export const cryptoModule = once(() => require('node:crypto') as typeof import('node:crypto'));
