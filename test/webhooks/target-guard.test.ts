import dns from 'node:dns';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { checkTarget, guardedLookup, isBlockedAddress, TargetRefusedError, type ResolveAll } from '../../src/webhooks/target-guard.js';

// No traffic goes anywhere here: literal IPs and an injected resolver only.

describe('isBlockedAddress', () => {
  it.each([
    '0.0.0.0',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.169.254', // cloud metadata
    '169.254.0.1',
    '172.16.0.1',
    '172.31.255.254',
    '192.0.0.8',
    '192.168.1.1',
    '198.18.0.1',
    '198.19.255.255',
    '224.0.0.1',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    'fd00:ec2::254', // AWS IPv6 metadata
    '::ffff:127.0.0.1', // IPv4-mapped loopback
    '::ffff:7f00:1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1', // NAT64 of 127.0.0.1
    '64:ff9b::10.0.0.1',
    'ff02::1',
  ])('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.255.0.1', '2606:2800:220:1:248:1893:25c8:1946', '::ffff:93.184.216.34', '64:ff9b::808:808'])(
    'allows the public address %s',
    (address) => {
      expect(isBlockedAddress(address)).toBe(false);
    },
  );

  it('refuses what is not an IP address at all', () => {
    expect(isBlockedAddress('localhost')).toBe(true);
    expect(isBlockedAddress('')).toBe(true);
  });
});

/** A resolver with fixed answers, recording what it was asked. */
function fakeResolver(table: Record<string, string[]>): ResolveAll & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (host: string) => {
    asked.push(host);
    const addresses = table[host];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

describe('checkTarget', () => {
  const resolve = fakeResolver({
    'hooks.example.com': ['93.184.216.34'],
    'mixed.example.com': ['93.184.216.34', '10.1.2.3'],
    'v6.example.com': ['2606:2800:220:1:248:1893:25c8:1946', 'fd00:ec2::254'],
    'empty.example.com': [],
  });
  const refused = (url: string, allowPrivate = false) => checkTarget(url, { allowPrivate, resolve }).then(() => undefined, (e: unknown) => e);

  it('accepts a public name and a public literal', async () => {
    await expect(checkTarget('https://hooks.example.com/in', { allowPrivate: false, resolve })).resolves.toBeUndefined();
    await expect(checkTarget('http://93.184.216.34:8080/x', { allowPrivate: false, resolve })).resolves.toBeUndefined();
  });

  it.each([
    'http://127.0.0.1:9000/hook',
    'http://[::1]/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[fd00:ec2::254]/',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/', // 127.0.0.1 in decimal; the URL parser normalises it
    'http://0x7f.1/',
    'http://10.0.0.1/',
  ])('refuses the private literal %s', async (url) => {
    const error = await refused(url);
    expect(error).toBeInstanceOf(TargetRefusedError);
    expect((error as Error).message).toMatch(/private, loopback, link-local or reserved/);
  });

  it('refuses a name when any of its addresses is private (IPv4 or IPv6)', async () => {
    expect(((await refused('https://mixed.example.com/')) as Error).message).toContain('10.1.2.3');
    expect(((await refused('https://v6.example.com/')) as Error).message).toContain('fd00:ec2::254');
  });

  it('refuses a name that does not resolve, or resolves to nothing', async () => {
    expect(((await refused('https://nowhere.example.com/')) as Error).message).toMatch(/cannot resolve nowhere\.example\.com: ENOTFOUND/);
    expect(((await refused('https://empty.example.com/')) as Error).message).toMatch(/cannot resolve/);
    // Even with private targets allowed: an unresolvable target is a mistake to report now.
    expect(await refused('https://nowhere.example.com/', true)).toBeInstanceOf(TargetRefusedError);
  });

  it('refuses other schemes and non-URLs', async () => {
    expect(((await refused('ftp://hooks.example.com/')) as Error).message).toMatch(/http\(s\)/);
    expect(((await refused('file:///etc/passwd')) as Error).message).toMatch(/http\(s\)/);
    expect(((await refused('not a url')) as Error).message).toMatch(/absolute/);
  });

  it('allows private targets with allowPrivate', async () => {
    await expect(checkTarget('http://127.0.0.1:9000/hook', { allowPrivate: true, resolve })).resolves.toBeUndefined();
    await expect(checkTarget('https://mixed.example.com/', { allowPrivate: true, resolve })).resolves.toBeUndefined();
  });

  it('resolves literals without asking DNS', async () => {
    const counting = fakeResolver({});
    await checkTarget('http://93.184.216.34/', { allowPrivate: false, resolve: counting });
    await checkTarget('http://127.0.0.1/', { allowPrivate: false, resolve: counting }).catch(() => undefined);
    expect(counting.asked).toEqual([]);
  });
});

describe('guardedLookup (connect-time check against DNS rebinding)', () => {
  const lookup = (host: string, all: boolean) =>
    new Promise<{ error: Error | null; result: unknown }>((resolve) =>
      guardedLookup(host, { all }, (error, result) => resolve({ error, result })),
    );

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('answers a public address in the shape the caller asked for (one address, or all)', async () => {
    // Resolution is faked; nothing connects anywhere.
    vi.spyOn(dns, 'lookup').mockImplementation(((_host: string, _options: unknown, callback: (e: null, a: dns.LookupAddress[]) => void) =>
      callback(null, [
        { address: '93.184.216.34', family: 4 },
        { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
      ])) as unknown as typeof dns.lookup);
    const one = await new Promise<unknown[]>((resolve) => guardedLookup('hooks.example.com', {}, (...args) => resolve(args)));
    expect(one).toEqual([null, '93.184.216.34', 4]);
    const all = await new Promise<unknown[]>((resolve) => guardedLookup('hooks.example.com', { all: true }, (...args) => resolve(args)));
    expect(all[0]).toBeNull();
    expect(all[1]).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
  });

  // `localhost` resolves from the hosts file: no DNS query leaves the machine.
  it('refuses a name that resolves to loopback now, in both callback shapes', async () => {
    for (const all of [false, true]) {
      const { error } = await lookup('localhost', all);
      expect(error).toBeInstanceOf(TargetRefusedError);
      expect(error?.message).toMatch(/localhost now resolves to .*blocked/);
    }
  });
});
