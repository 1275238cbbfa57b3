import { assertPublicUrl } from '../delivery/address-guard.js';
import { PermanentDeliveryError } from '../delivery/channel.js';
import { ValidationError } from '../errors.js';
import type { TargetCheck } from './integrations.js';

/**
 * Refuses outbound URLs that resolve to private, loopback or link-local addresses unless allowed.
 * Checked when an integration is saved; the delivery client checks again at connect time.
 */
export function checkTarget(allowPrivateTargets: boolean): TargetCheck {
  return async (url, path) => {
    try {
      await assertPublicUrl(url, { allowPrivateTargets });
    } catch (error) {
      if (!(error instanceof PermanentDeliveryError)) throw error;
      const message =
        error.code === 'private_target'
          ? 'points to a private or loopback address (set HERALD_ALLOW_PRIVATE_TARGETS to allow)'
          : error.code === 'unresolvable'
            ? 'host cannot be resolved'
            : 'must be an http(s) URL';
      throw ValidationError.field(path, message);
    }
  };
}
