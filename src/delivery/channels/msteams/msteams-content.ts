import { z } from 'zod';

/** What the renderer produces for Teams: one Adaptive Card (schema 1.0–1.5, as Teams renders them). */
export const msteamsContentSchema = z.object({
  card: z.looseObject({ type: z.literal('AdaptiveCard'), version: z.string(), body: z.array(z.unknown()) }),
});

/** The Teams content shape. */
export type MsTeamsContent = z.infer<typeof msteamsContentSchema>;

/** Integration `config` of Teams: nothing required. */
export const msteamsConfigSchema = z.looseObject({});

/** Integration `secrets` of Teams: the Workflows webhook URL (its `sig` parameter is a credential). */
export const msteamsSecretsSchema = z.object({ webhookUrl: z.url({ protocol: /^https?$/ }) });

/** Teams refuses message payloads above about 28 KB. */
export const MSTEAMS_MAX_PAYLOAD_BYTES = 28 * 1024;

/** The message envelope a Workflows "post card" trigger expects. */
export function msteamsEnvelope(card: MsTeamsContent['card']) {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}
