import type { z } from 'zod';
import { safeParseChecked } from '../validation.js';
import { type DeliveryContext, type IntegrationRef, PermanentDeliveryError } from './channel.js';

/** The integration of a send, or a permanent `no_integration` error for channels that need one. */
export function requireIntegration(context: DeliveryContext): IntegrationRef {
  if (!context.integration) {
    throw new PermanentDeliveryError('This channel needs an integration', { code: 'no_integration' });
  }
  return context.integration;
}

/** Lists the failing fields of a zod error by path only: values may be secrets. */
function fieldList(error: z.ZodError): string {
  return error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
}

/**
 * Reads and checks an integration's `config` and `secrets`; a misconfigured integration can never send,
 * so it is a permanent, fatal `invalid_integration`.
 */
export function parseIntegration<Cfg extends z.ZodType, Sec extends z.ZodType>(
  context: DeliveryContext,
  configSchema: Cfg,
  secretsSchema: Sec,
): { config: z.infer<Cfg>; secrets: z.infer<Sec>; integration: IntegrationRef } {
  const integration = requireIntegration(context);
  const config = configSchema.safeParse(integration.config);
  const secrets = secretsSchema.safeParse(integration.secrets);
  if (!config.success || !secrets.success) {
    const bad = [
      ...(config.success ? [] : [`config: ${fieldList(config.error)}`]),
      ...(secrets.success ? [] : [`secrets: ${fieldList(secrets.error)}`]),
    ];
    throw new PermanentDeliveryError(`Integration ${integration.id} is misconfigured (${bad.join('; ')})`, {
      code: 'invalid_integration',
      fatal: true,
    });
  }
  return { config: config.data, secrets: secrets.data, integration };
}

/**
 * Checks rendered content against the channel's schema (its written-out check first, where it has one);
 * a bad render is permanent `invalid_content`.
 */
export function parseContent<S extends z.ZodType>(schema: S, content: unknown): z.infer<S> {
  const parsed = safeParseChecked(schema, content);
  if (!parsed.success) {
    throw new PermanentDeliveryError(`Rendered content is invalid (${fieldList(parsed.error)})`, {
      code: 'invalid_content',
    });
  }
  return parsed.data;
}
