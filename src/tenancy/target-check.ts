import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { ValidationError } from '../errors.js';
import type { TargetCheck } from './integrations.js';

/**
 * Refuses outbound URLs that resolve to private, loopback or link-local addresses unless allowed.
 * Checked when an integration is saved; the delivery client checks again at connect time.
 */
export function checkTarget(allowPrivateTargets: boolean): TargetCheck {
  return async (url, path) => {
    if (allowPrivateTargets) return;
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw ValidationError.field(path, `host ${host} cannot be resolved`);
    }
    if (addresses.some(isPrivateAddress)) {
      throw ValidationError.field(
        path,
        'points to a private or loopback address (set HERALD_ALLOW_PRIVATE_TARGETS to allow)',
      );
    }
  };
}

/** True for loopback, private, link-local, CGNAT, unique-local, multicast and unspecified addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped?.[1] ?? address;
  if (isIP(ip) === 4) {
    const [a = 0, b = 0] = ip.split('.').map(Number);
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      a >= 224 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  const lower = ip.toLowerCase();
  return (
    lower === '::' ||
    lower === '::1' ||
    /^f[cd]/.test(lower) ||
    /^fe[89ab]/.test(lower) ||
    lower.startsWith('ff')
  );
}
