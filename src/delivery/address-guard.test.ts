import { describe, expect, it } from 'vitest';
import {
  assertPublicUrl,
  classifyAddress,
  guardedLookup,
  PRIVATE_TARGET_CODE,
  parseIPv6,
} from './address-guard.js';
import { PermanentDeliveryError } from './channel.js';

describe('classifyAddress', () => {
  it.each([
    ['0.0.0.0', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['fd12:3456::1', 'unique_local'],
    ['fc00::1', 'unique_local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
    ['example.com', 'invalid'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '100.128.0.1',
    '172.32.0.1',
    '192.169.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '2a00:1450:4001::200e',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeUndefined();
  });

  it('parses compressed IPv6 forms into 16 bytes', () => {
    expect(parseIPv6('::1')).toEqual([...new Array(15).fill(0), 1]);
    expect(parseIPv6('1::')).toEqual([0, 1, ...new Array(14).fill(0)]);
    expect(parseIPv6('1:2:3:4:5:6:7:8:9')).toBeUndefined();
    expect(parseIPv6('1::2::3')).toBeUndefined();
  });
});

describe('assertPublicUrl', () => {
  it.each([
    'http://127.0.0.1/hook',
    'http://[::1]:8080/',
    'https://localhost/x',
    'http://[::ffff:10.0.0.1]/',
  ])('refuses %s', async (url) => {
    const err = await assertPublicUrl(url).catch((e) => e);
    expect(err).toBeInstanceOf(PermanentDeliveryError);
    expect(err.code).toBe('private_target');
  });

  it('refuses non-http schemes', async () => {
    await expect(assertPublicUrl('file:///etc/passwd')).rejects.toMatchObject({ code: 'invalid_url' });
  });

  it('accepts private targets when allowed and public IP literals always', async () => {
    await expect(
      assertPublicUrl('http://127.0.0.1/', { allowPrivateTargets: true }),
    ).resolves.toBeUndefined();
    await expect(assertPublicUrl('https://8.8.8.8/')).resolves.toBeUndefined();
  });
});

describe('guardedLookup', () => {
  it('fails the lookup of a name that resolves to loopback', async () => {
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      guardedLookup()('localhost', { all: true }, (e) => resolve(e)),
    );
    expect(err?.code).toBe(PRIVATE_TARGET_CODE);
  });

  it('passes the addresses through when private targets are allowed', async () => {
    const address = await new Promise<unknown>((resolve) =>
      guardedLookup({ allowPrivateTargets: true })('localhost', { family: 4 }, (_e, a) => resolve(a)),
    );
    expect(address).toBe('127.0.0.1');
  });
});
