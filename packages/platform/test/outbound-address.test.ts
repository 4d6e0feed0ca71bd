import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forbiddenRangeOf, ipv6Groups, isForbiddenAddress } from '../src/outbound-address.js';

describe('isForbiddenAddress', () => {
  const forbidden = [
    // IPv4: each range, at both of its edges
    '0.0.0.0', '0.255.255.255',
    '10.0.0.0', '10.1.2.3', '10.255.255.255',
    '100.64.0.0', '100.127.255.255',
    '127.0.0.1', '127.0.0.0', '127.255.255.255',
    '169.254.0.0', '169.254.169.254', '169.254.255.255',
    '172.16.0.0', '172.31.255.255',
    '192.0.0.0', '192.0.0.255', '192.0.2.1', '198.51.100.7', '203.0.113.9',
    '192.168.0.0', '192.168.255.255',
    '198.18.0.0', '198.19.255.255',
    '224.0.0.0', '224.0.0.251', '239.255.255.255',
    '240.0.0.1', '255.255.255.255',
    // IPv6
    '::', '::1', '::127.0.0.1', '::0.0.0.2',
    'fc00::', 'fd00::1', 'fd00:ec2::254', 'fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    'fe80::', 'fe80::1', 'fe80::1%eth0', 'febf:ffff::1', 'fec0::1',
    'ff00::', 'ff02::1', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff',
    '2001:db8::1', '100::1',
    // IPv4-mapped and NAT64, in dotted and in hex form: judged as the IPv4 address
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::FFFF:10.0.0.1', '::ffff:169.254.169.254', '::ffff:a9fe:a9fe',
    '0:0:0:0:0:ffff:192.168.1.1', '::ffff:0.0.0.0', '64:ff9b::10.0.0.1', '64:ff9b::a9fe:a9fe',
    // 6to4 carrying a private address; a local-use NAT64 prefix; Teredo
    '2002:7f00:1::', '2002:a9fe:a9fe::1', '2002:c0a8:101::5', '64:ff9b:1::a9fe:a9fe', '64:ff9b:1:ffff::1', '2001:0:4136:e378:8000:63bf:3fff:fdd2',
    // not addresses at all
    '', 'localhost', '1.2.3', '1.2.3.4.5', '256.1.1.1', '::ffff:1.2.3.999', 'example.com', '[::1]',
  ];
  const allowed = [
    '1.1.1.1', '8.8.8.8', '93.184.216.34',
    '9.255.255.255', '11.0.0.0', // around 10/8
    '100.63.255.255', '100.128.0.0', // around 100.64/10
    '126.255.255.255', '128.0.0.0', // around 127/8
    '169.253.255.255', '169.255.0.0', // around 169.254/16
    '172.15.255.255', '172.32.0.0', // around 172.16/12
    '192.167.255.255', '192.169.0.0', // around 192.168/16
    '198.17.255.255', '198.20.0.0', // around 198.18/15
    '223.255.255.255', // just below multicast
    '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:80b::200e',
    'fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', // just below fc00::/7
    'fe00::1', // between fc00::/7 and fe80::/10
    '::ffff:8.8.8.8', '::ffff:808:808', '64:ff9b::1.1.1.1', '2002:808:808::1', // mapped public addresses
    '64:ff9b:2::1', // just past the local-use NAT64 /48
  ];

  for (const ip of forbidden) {
    test(`refuses ${JSON.stringify(ip)}`, () => {
      assert.equal(isForbiddenAddress(ip), true, String(forbiddenRangeOf(ip)));
    });
  }
  for (const ip of allowed) {
    test(`allows ${ip}`, () => {
      assert.equal(isForbiddenAddress(ip), false, String(forbiddenRangeOf(ip)));
    });
  }

  test('names the range, and says when an IPv6 address stood for an IPv4 one', () => {
    assert.equal(forbiddenRangeOf('169.254.169.254'), 'link-local');
    assert.equal(forbiddenRangeOf('::ffff:10.0.0.1'), 'private (IPv4 in IPv6)');
    assert.equal(forbiddenRangeOf('fd12::1'), 'unique local (private)');
    assert.equal(forbiddenRangeOf('8.8.8.8'), null);
  });

  test('ipv6Groups expands every spelling to eight groups', () => {
    assert.deepEqual(ipv6Groups('::1'), [0, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(ipv6Groups('::ffff:1.2.3.4'), [0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    assert.deepEqual(ipv6Groups('fe80::1%eth0'), [0xfe80, 0, 0, 0, 0, 0, 0, 1]);
    assert.deepEqual(ipv6Groups('1:2:3:4:5:6:7:8'), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(ipv6Groups('1::'), [1, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(ipv6Groups('1.2.3.4'), null);
  });
});
