import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Which addresses a request to a URL chosen by a user (a webhook receiver) may reach: nothing on
 * this host, our private networks, the cloud metadata service, or ranges that are not unicast on
 * the public Internet. Pure: the callers resolve names and decide when to ask.
 */

const V4_RANGES: ReadonlyArray<readonly [string, string, number]> = [
  ['this network', '0.0.0.0', 8],
  ['private', '10.0.0.0', 8],
  ['shared address space (CGNAT)', '100.64.0.0', 10],
  ['loopback', '127.0.0.0', 8],
  // 169.254.169.254 (and fd00:ec2::254) is the cloud metadata service: credentials of the node.
  ['link-local', '169.254.0.0', 16],
  ['private', '172.16.0.0', 12],
  ['IETF protocol assignments', '192.0.0.0', 24],
  ['documentation', '192.0.2.0', 24],
  ['private', '192.168.0.0', 16],
  ['benchmarking', '198.18.0.0', 15],
  ['documentation', '198.51.100.0', 24],
  ['documentation', '203.0.113.0', 24],
  ['multicast', '224.0.0.0', 4],
  // 240/4 is reserved and holds the limited broadcast 255.255.255.255.
  ['reserved or broadcast', '240.0.0.0', 4],
];

const V6_RANGES: ReadonlyArray<readonly [string, string, number]> = [
  // ::/128 unspecified, ::1 loopback, the rest the deprecated IPv4-compatible form.
  ['unspecified, loopback or IPv4-compatible', '::', 96],
  ['discard-only', '100::', 64],
  // RFC 8215: a network's own NAT64 prefix, which may embed an IPv4 address at any of several
  // positions; what it reaches cannot be judged, so none of it is allowed.
  ['NAT64 local-use', '64:ff9b:1::', 48],
  // Teredo tunnels to an obfuscated IPv4 address; no public service needs to be reached through one.
  ['Teredo', '2001::', 32],
  ['documentation', '2001:db8::', 32],
  ['unique local (private)', 'fc00::', 7],
  ['link-local', 'fe80::', 10],
  ['site-local (deprecated)', 'fec0::', 10],
  ['multicast', 'ff00::', 8],
];

const v4Lists = V4_RANGES.map(([label, net, prefix]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv4');
  return { label, list };
});
const v6Lists = V6_RANGES.map(([label, net, prefix]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, 'ipv6');
  return { label, list };
});

/** The eight 16-bit groups of an IPv6 address (dotted IPv4 tail allowed), or null. */
export function ipv6Groups(ip: string): number[] | null {
  if (!isIPv6(ip)) return null;
  let text = ip.split('%')[0]!;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : []);
  const left = parse(head);
  const right = parse(tail);
  const zeros = tail === undefined ? [] : new Array<number>(8 - left.length - right.length).fill(0);
  const groups = [...left, ...zeros, ...right];
  return groups.length === 8 ? groups : null;
}

/**
 * The IPv4 address an IPv6 address stands for, when it does: IPv4-mapped (::ffff:a.b.c.d, how a
 * dual-stack socket shows an IPv4 peer), the well-known NAT64 prefix 64:ff9b::/96 (a NAT64
 * gateway forwards it to that IPv4 address) and 6to4 (2002:AABB:CCDD::). Each must be judged as the
 * IPv4 address it reaches.
 */
function embeddedIpv4(groups: number[]): string | null {
  const dotted = (hi: number, lo: number) => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');
  // 6to4 (2002::/16) carries the IPv4 address of its relay in the two groups after the prefix.
  if (groups[0] === 0x2002) return dotted(groups[1]!, groups[2]!);
  const prefix = groups.slice(0, 6).join(':');
  if (prefix !== '0:0:0:0:0:65535' && prefix !== '100:65435:0:0:0:0') return null;
  return dotted(groups[6]!, groups[7]!);
}

/**
 * Why an address may not be reached (the name of its range), or null when it is a public unicast
 * address. Anything that is not an IP address is refused: we never judge what we cannot parse.
 */
export function forbiddenRangeOf(ip: string): string | null {
  if (isIPv4(ip)) return v4Lists.find((r) => r.list.check(ip, 'ipv4'))?.label ?? null;
  const groups = ipv6Groups(ip);
  if (!groups) return 'not an IP address';
  const v4 = embeddedIpv4(groups);
  if (v4) {
    const label = forbiddenRangeOf(v4);
    return label && `${label} (IPv4 in IPv6)`;
  }
  const bare = ip.split('%')[0]!;
  return v6Lists.find((r) => r.list.check(bare, 'ipv6'))?.label ?? null;
}

/** True when a request to a user-chosen URL must not reach this address (see forbiddenRangeOf). */
export function isForbiddenAddress(ip: string): boolean {
  return forbiddenRangeOf(ip) !== null;
}

/**
 * Host names of the cloud metadata services. They resolve to 169.254.169.254, which the address
 * rule refuses anyway; refusing the names too keeps the answer right where the resolver is odd.
 */
const METADATA_NAMES = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export function isMetadataHostName(host: string): boolean {
  return METADATA_NAMES.has(host.toLowerCase().replace(/\.$/, ''));
}
