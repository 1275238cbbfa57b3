import { z } from 'zod';

/** One Discord embed; Discord's own per-field limits are checked in {@link discordLimitProblem}. */
export const discordEmbedSchema = z.looseObject({
  title: z.string().optional(),
  description: z.string().optional(),
  url: z.string().optional(),
  color: z.number().int().optional(),
  timestamp: z.string().optional(),
  fields: z
    .array(z.object({ name: z.string(), value: z.string(), inline: z.boolean().optional() }))
    .optional(),
  footer: z.looseObject({ text: z.string() }).optional(),
  author: z.looseObject({ name: z.string() }).optional(),
});

/** What the renderer produces for Discord. */
export const discordContentSchema = z.object({
  content: z.string().optional(),
  embeds: z.array(discordEmbedSchema),
  username: z.string().optional(),
});

/** The Discord content shape. */
export type DiscordContent = z.infer<typeof discordContentSchema>;

/** Integration `config` of Discord: nothing required. */
export const discordConfigSchema = z.looseObject({});

/** Integration `secrets` of Discord: the channel webhook URL (its path holds the webhook token). */
export const discordSecretsSchema = z.object({ webhookUrl: z.url({ protocol: /^https?$/ }) });

/** Discord's documented message limits. */
export const DISCORD_LIMITS = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
} as const;

/** The first Discord limit `content` breaks, or `undefined` when it fits. */
export function discordLimitProblem(content: DiscordContent): string | undefined {
  const L = DISCORD_LIMITS;
  if ((content.content?.length ?? 0) > L.content) return `content over ${L.content} characters`;
  if (content.embeds.length > L.embeds) return `${content.embeds.length} embeds, over ${L.embeds}`;
  let total = 0;
  for (const [i, e] of content.embeds.entries()) {
    const fields = e.fields ?? [];
    if ((e.title?.length ?? 0) > L.title) return `embed ${i} title over ${L.title}`;
    if ((e.description?.length ?? 0) > L.description) return `embed ${i} description over ${L.description}`;
    if (fields.length > L.fields) return `embed ${i} has over ${L.fields} fields`;
    if (fields.some((f) => f.name.length > L.fieldName || f.value.length > L.fieldValue)) {
      return `embed ${i} has a field over its limit`;
    }
    if ((e.footer?.text.length ?? 0) > L.footer) return `embed ${i} footer over ${L.footer}`;
    if ((e.author?.name.length ?? 0) > L.author) return `embed ${i} author over ${L.author}`;
    total += (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0);
    total += (e.author?.name.length ?? 0) + fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  }
  return total > L.total ? `embeds total ${total} characters, over ${L.total}` : undefined;
}
