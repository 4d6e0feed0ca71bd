import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { ConfigError } from './config.js';

/** proxy-addr's names for address ranges, which Fastify's trustProxy accepts beside addresses. */
const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);
const ENTRY = String.raw`(loopback|linklocal|uniquelocal|[0-9]{1,3}(\.[0-9]{1,3}){3}(/[0-9]{1,2})?|[0-9a-fA-F]*:[0-9a-fA-F:.]*(/[0-9]{1,3})?)`;

/**
 * TRUST_PROXY: which peers may tell a service the client's address in X-Forwarded-For (Fastify's
 * trustProxy, which `request.ip` follows). `false`: the socket's address is the client; a number:
 * that many proxies of our own append to the header; a comma-separated list of addresses, CIDRs and
 * the names loopback, linklocal, uniquelocal: the peers in those ranges are proxies; `true`: every
 * peer is (only behind a proxy that overwrites the header).
 */
export function trustProxyKey(defaultValue: string) {
  return Type.String({ default: defaultValue, pattern: String.raw`^\s*(true|false|[0-9]{1,2}|${ENTRY}(\s*,\s*${ENTRY})*)\s*$` });
}

/** Fastify's trustProxy option from a TRUST_PROXY value; an entry that is no address is a ConfigError. */
export function trustProxyOption(value: string): boolean | string[] | ((address: string, hop: number) => boolean) {
  const text = value.trim();
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (/^[0-9]+$/.test(text)) {
    // What Fastify itself does with a number (its types only omit it): trust the nearest `hops` peers.
    const hops = Number(text);
    return (_address, hop) => hop < hops;
  }
  const entries = text.split(',').map((e) => e.trim()).filter(Boolean);
  for (const entry of entries) {
    if (RANGE_NAMES.has(entry)) continue;
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError('TRUST_PROXY', `has "${entry}", which is not an IP address, a CIDR or one of loopback, linklocal, uniquelocal`);
    }
  }
  if (entries.length === 0) throw new ConfigError('TRUST_PROXY', 'names no proxy (say false to trust none)');
  return entries;
}
