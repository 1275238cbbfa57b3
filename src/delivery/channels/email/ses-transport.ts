import { z } from 'zod';
import type { SendResult } from '../../channel.js';
import { type HttpClient, parseRetryAfter } from '../../http-client.js';
import { parseIntegration } from '../../integration-fields.js';
import { signSigV4 } from './aws-sigv4.js';
import { classifySesError } from './email-errors.js';
import type { EmailTransport } from './email-transport.js';

/** Integration `config` of Amazon SES v2. */
export const sesConfigSchema = z.looseObject({
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  /** API base; default `https://email.<region>.amazonaws.com`, overridden in tests. */
  baseUrl: z.url().optional(),
  /** SES configuration set for event publishing. */
  configurationSetName: z.string().optional(),
});

/** Integration `secrets` of Amazon SES v2. */
export const sesSecretsSchema = z.object({
  accessKeyId: z.string().min(16),
  secretAccessKey: z.string().min(16),
  sessionToken: z.string().optional(),
});

/** Amazon SES v2 `SendEmail` (simple content), signed with SigV4. */
export function sesTransport(http: HttpClient): EmailTransport {
  return {
    async send(mail, _integration, context): Promise<SendResult> {
      const { config, secrets } = parseIntegration(context, sesConfigSchema, sesSecretsSchema);
      const url = new URL(
        '/v2/email/outbound-emails',
        config.baseUrl ?? `https://email.${config.region}.amazonaws.com`,
      );
      const body = JSON.stringify({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [mail.to] },
        ConfigurationSetName: config.configurationSetName,
        Content: {
          Simple: {
            Subject: { Data: mail.subject, Charset: 'UTF-8' },
            Body: {
              Text: { Data: mail.text, Charset: 'UTF-8' },
              Html: { Data: mail.html, Charset: 'UTF-8' },
            },
            Headers: Object.entries(mail.headers ?? {}).map(([Name, Value]) => ({ Name, Value })),
          },
        },
        EmailTags: [{ Name: 'herald_delivery_id', Value: mail.deliveryId.replace(/[^\w-]/g, '_') }],
      });
      const headers = { 'content-type': 'application/json' };
      const signed = signSigV4(
        { method: 'POST', url, headers, body },
        { region: config.region, service: 'ses', credentials: secrets, now: context.clock.now() },
      );
      const response = await http.request({
        url,
        method: 'POST',
        headers: { ...headers, ...signed },
        body,
        signal: context.signal,
      });
      const answer = response.json() as
        | { MessageId?: string; message?: string; Message?: string }
        | undefined;
      if (response.status >= 200 && response.status < 300) {
        return { providerMessageId: answer?.MessageId, providerResponse: `HTTP ${response.status}` };
      }
      const type = response.headers['x-amzn-errortype'];
      throw classifySesError(
        response.status,
        typeof type === 'string' ? type : undefined,
        answer?.message ?? answer?.Message ?? response.text(),
        parseRetryAfter(response.headers['retry-after'], context.clock.now()),
      );
    },
    async close() {},
  };
}
