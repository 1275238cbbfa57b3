import { z } from 'zod';
import { PermanentDeliveryError, type SendResult } from '../../channel.js';
import { assertHttpOk, describeBody, type HttpClient } from '../../http-client.js';
import { parseIntegration } from '../../integration-fields.js';
import type { EmailTransport } from './email-transport.js';

/** Integration `config` of SendGrid. */
export const sendgridConfigSchema = z.looseObject({
  /** API base; overridden in tests. */
  baseUrl: z.url().default('https://api.sendgrid.com'),
});

/** Integration `secrets` of SendGrid. */
export const sendgridSecretsSchema = z.object({ apiKey: z.string().min(10) });

/** Parses `Name <addr>` or a bare address into SendGrid's `{email, name}`. */
function address(text: string): { email: string; name?: string } {
  const match = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(text);
  if (!match) return { email: text.trim() };
  const name = match[1]?.trim();
  return name ? { email: match[2] ?? '', name } : { email: match[2] ?? '' };
}

/** SendGrid v3 mail send: 202 accepted; 401/403 mean the key is bad (fatal); 429 and 5xx are transient. */
export function sendgridTransport(http: HttpClient): EmailTransport {
  return {
    async send(mail, _integration, context): Promise<SendResult> {
      const { config, secrets } = parseIntegration(context, sendgridConfigSchema, sendgridSecretsSchema);
      const response = await http.postJson(
        new URL('/v3/mail/send', config.baseUrl),
        {
          personalizations: [{ to: [address(mail.to)] }],
          from: address(mail.from),
          subject: mail.subject,
          content: [
            { type: 'text/plain', value: mail.text },
            { type: 'text/html', value: mail.html },
          ],
          headers: { ...mail.headers, 'Message-ID': mail.messageId },
          custom_args: { herald_delivery_id: mail.deliveryId },
        },
        { headers: { authorization: `Bearer ${secrets.apiKey}` }, signal: context.signal },
      );
      if (response.status === 401 || response.status === 403) {
        throw new PermanentDeliveryError(
          `SendGrid refused the API key (HTTP ${response.status})${describeBody(response)}`,
          {
            code: `sendgrid_${response.status}`,
            fatal: true,
          },
        );
      }
      assertHttpOk(response, 'SendGrid', context.clock.now());
      const id = response.headers['x-message-id'];
      return {
        providerMessageId: typeof id === 'string' ? id : mail.messageId,
        providerResponse: `HTTP ${response.status}`,
      };
    },
    async close() {},
  };
}
