import type { z } from 'zod';
import type { issueRefSchema, organizationRefSchema, projectRefSchema } from './payload-schemas.js';

/** A realistic organization for samples, previews and goldens. */
export const SAMPLE_ORGANIZATION: z.infer<typeof organizationRefSchema> = {
  id: 'org_01jq7z8k2m3n4p5q6r7s8t9v0w',
  slug: 'acme',
  name: 'Acme Corp',
};

/** A realistic project for samples. */
export const SAMPLE_PROJECT: z.infer<typeof projectRefSchema> = {
  id: 'prj_01jq7z8k2m3n4p5q6r7s8t9v0x',
  slug: 'checkout-api',
  name: 'Checkout API',
};

/** The base URL of sample links. */
export const SAMPLE_BASE_URL = 'https://herald.example.com';

/** A realistic unresolved error issue for samples. */
export const SAMPLE_ISSUE: z.infer<typeof issueRefSchema> = {
  id: 'iss_01jq7zb3c4d5e6f7g8h9j0k1m2',
  title: "TypeError: Cannot read properties of undefined (reading 'total')",
  culprit: 'app/services/cart.ts in computeTotals',
  level: 'error',
  status: 'unresolved',
  category: 'error',
  firstSeen: '2026-03-14T08:02:11.000Z',
  lastSeen: '2026-03-14T09:26:53.000Z',
  timesSeen: 1284,
  usersSeen: 317,
  url: `${SAMPLE_BASE_URL}/issues/iss_01jq7zb3c4d5e6f7g8h9j0k1m2`,
  apiUrl: `${SAMPLE_BASE_URL}/api/v1/issues/iss_01jq7zb3c4d5e6f7g8h9j0k1m2`,
};
