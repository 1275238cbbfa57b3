import type { NotificationType } from '../notification-type.js';
import { assignedType } from './assigned.js';
import { deployType } from './deploy.js';
import { digestType } from './digest.js';
import { integrationDisabledType } from './integration-disabled.js';
import { issueAlertType } from './issue-alert.js';
import { regressionType } from './regression.js';
import { releaseType } from './release.js';
import { resolvedType } from './resolved.js';
import { ruleSavedType } from './rule-saved.js';

/** Hands every built-in type to `register`; the registry calls this once, before any lookup. */
export function registerBuiltInTypes(register: <P>(type: NotificationType<P>) => void): void {
  register(issueAlertType);
  register(regressionType);
  register(resolvedType);
  register(assignedType);
  register(releaseType);
  register(deployType);
  register(digestType);
  register(ruleSavedType);
  register(integrationDisabledType);
}
