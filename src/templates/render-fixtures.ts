import { defaultRenderContext, type RenderContext } from './render-context.js';

/** The fixed moment goldens are rendered at. */
export const FIXTURE_TIME = Date.parse('2026-03-14T09:27:00.000Z');

/**
 * A deterministic context for goldens and tests: every link present, Berlin time, and sent where people
 * can answer (Slack with a signing secret).
 */
export function fixtureContext(locale = 'en', overrides: Partial<RenderContext> = {}): RenderContext {
  return defaultRenderContext('https://herald.example.com', {
    locale,
    timeZone: locale === 'ja' ? 'Asia/Tokyo' : 'Europe/Berlin',
    notificationId: 'ntf_01jq7zh5j6k7m8n9p0q1r2s3t4',
    timestamp: FIXTURE_TIME,
    interaction: { deliveryId: 'dlv_01jq7zh9a1b2c3d4e5f6g7h8j9' },
    links: {
      settings: 'https://herald.example.com/settings/notifications',
      muteRule: 'https://herald.example.com/orgs/acme/rules/rul_01jq7zc0a1b2c3d4e5f6g7h8j9/mute?user=usr_1',
      unsubscribe: 'https://herald.example.com/unsubscribe?token=eyJ0eXBlIjoiaXNzdWVfYWxlcnQifQ.sig',
    },
    ...overrides,
  });
}
