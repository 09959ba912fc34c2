import dns from 'node:dns';
import net, { BlockList, type LookupFunction } from 'node:net';

/** A webhook target that must not be called, with the reason (sent to the client as a validation message). */
export class TargetRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefusedError';
  }
}

/** Resolves a host name to all of its addresses (injectable for tests). */
export type ResolveAll = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

const resolveAll: ResolveAll = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

const V4: Array<[string, number]> = [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, with the cloud metadata address 169.254.169.254
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation (TEST-NET-1..3)
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and broadcast
];
const V6: Array<[string, number]> = [
  ['::', 96], // unspecified, loopback, and deprecated IPv4-compatible addresses
  ['64:ff9b:1::', 48], // local-use NAT64
  ['fc00::', 7], // unique local, with AWS metadata fd00:ec2::254
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['2001:db8::', 32], // documentation
];

/** Private, loopback, link-local, metadata and other non-public ranges. Node's BlockList also matches IPv4-mapped IPv6 (`::ffff:127.0.0.1`). */
const BLOCKED = new BlockList();
for (const [prefix, bits] of V4) BLOCKED.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of V6) BLOCKED.addSubnet(prefix, bits, 'ipv6');

/** The IPv4 address a NAT64 well-known-prefix address (`64:ff9b::a.b.c.d`) reaches, if it is one. */
function nat64Target(address: string): string | undefined {
  const match = /^64:ff9b::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!match) return /^64:ff9b::(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const [hi, lo] = [parseInt(match[1]!, 16), parseInt(match[2]!, 16)];
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/** Whether a literal IP address is one a webhook must not reach. Anything that is not an IP is refused too. */
export function isBlockedAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family !== 6) return true;
  const embedded = nat64Target(address);
  if (embedded && BLOCKED.check(embedded, 'ipv4')) return true;
  return BLOCKED.check(address, 'ipv6');
}

/** The host of a URL without IPv6 brackets. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export interface TargetCheckOptions {
  /** Allow private, loopback and link-local targets (`WEBHOOK_ALLOW_PRIVATE`). */
  allowPrivate: boolean;
  resolve?: ResolveAll;
}

/**
 * Refuse a webhook URL that is not http(s), cannot be resolved, or resolves to any blocked address
 * (every address counts, so a name cannot hide a private one among public ones). Throws `TargetRefusedError`.
 */
export async function checkTarget(target: string, options: TargetCheckOptions): Promise<void> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new TargetRefusedError('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefusedError('must be an http(s) URL');
  const host = hostOf(url);
  let addresses: string[];
  if (net.isIP(host)) {
    addresses = [host];
  } else {
    try {
      addresses = (await (options.resolve ?? resolveAll)(host)).map((a) => a.address);
    } catch (error) {
      throw new TargetRefusedError(`cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (addresses.length === 0) throw new TargetRefusedError(`cannot resolve ${host}`);
  }
  if (options.allowPrivate) return;
  const blocked = addresses.find(isBlockedAddress);
  if (blocked) {
    throw new TargetRefusedError(
      `${host} resolves to ${blocked}, a private, loopback, link-local or reserved address (set WEBHOOK_ALLOW_PRIVATE=true to allow)`,
    );
  }
}

/**
 * A `lookup` for `http.request` that refuses blocked addresses at connect time, so a name that
 * passed `checkTarget` cannot be re-pointed at a private address later (DNS rebinding).
 */
export const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dns.lookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) return callback(error, '', 0);
    const blocked = addresses.find((a) => isBlockedAddress(a.address));
    if (blocked) return callback(new TargetRefusedError(`${hostname} now resolves to ${blocked.address}, a blocked address`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
    const [first] = addresses;
    if (!first) return callback(Object.assign(new Error(`cannot resolve ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
    callback(null, first.address, first.family);
  });
};

/** Whether the URL's host is a literal IP that must not be called (connect-time lookup is skipped for literals). */
export function isBlockedLiteral(url: URL): boolean {
  const host = hostOf(url);
  return net.isIP(host) !== 0 && isBlockedAddress(host);
}
