import type { Migration } from 'kysely';
import { tenancy } from './001-tenancy.js';
import { events } from './002-events.js';
import { rules } from './003-rules.js';
import { people } from './004-people.js';
import { templates } from './005-templates.js';
import { inbox } from './006-inbox.js';
import { delivery } from './007-delivery.js';
import { throttle } from './008-throttle.js';
import { analytics } from './009-analytics.js';
import { jobStages } from './010-job-stages.js';
import { signInLinks } from './011-sign-in-links.js';
import { writePathIndexes } from './012-write-path-indexes.js';
import { payloadSchema } from './013-payload-schema.js';
import { tokenIssuer } from './014-token-issuer.js';
import { deferredIndex } from './015-deferred-index.js';
import { projectDeletion } from './016-project-deletion.js';
import { personFallback } from './017-person-fallback.js';
import { deliveryReplays } from './018-delivery-replays.js';
import { throttleBucketAge } from './019-throttle-bucket-age.js';
import { silences } from './020-silences.js';
import { inhibitRules } from './021-inhibit-rules.js';
import { muteCounts } from './022-mute-counts.js';
import { alertEnds } from './023-alert-ends.js';
import { ownershipText } from './024-ownership-text.js';
import { recipientHistory } from './025-recipient-history.js';
import { alertStarts } from './026-alert-starts.js';
import { deliveryStatusHistory } from './027-delivery-status-history.js';

/** Every migration, in order; names are stable forever once released. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001-tenancy': tenancy,
  '002-events': events,
  '003-rules': rules,
  '004-people': people,
  '005-templates': templates,
  '006-inbox': inbox,
  '007-delivery': delivery,
  '008-throttle': throttle,
  '009-analytics': analytics,
  '010-job-stages': jobStages,
  '011-sign-in-links': signInLinks,
  '012-write-path-indexes': writePathIndexes,
  '013-payload-schema': payloadSchema,
  '014-token-issuer': tokenIssuer,
  '015-deferred-index': deferredIndex,
  '016-project-deletion': projectDeletion,
  '017-person-fallback': personFallback,
  '018-delivery-replays': deliveryReplays,
  '019-throttle-bucket-age': throttleBucketAge,
  '020-silences': silences,
  '021-inhibit-rules': inhibitRules,
  '022-mute-counts': muteCounts,
  '023-alert-ends': alertEnds,
  '024-ownership-text': ownershipText,
  '025-recipient-history': recipientHistory,
  '026-alert-starts': alertStarts,
  '027-delivery-status-history': deliveryStatusHistory,
};
