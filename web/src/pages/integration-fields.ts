import type { Provider } from '../types';

/** One input of an integration form; `key` is `config.<name>` or `secrets.<name>`. */
export interface ProviderField {
  readonly key: string;
  readonly label: string;
  readonly kind: 'text' | 'url' | 'number' | 'checkbox' | 'select' | 'secret';
  readonly required?: boolean;
  readonly options?: readonly (readonly [string, string])[];
  readonly hint?: string;
  readonly placeholder?: string;
  readonly when?: (values: Readonly<Record<string, string>>) => boolean;
  /** A checkbox ticked when the integration's config does not say (Herald's default is on). */
  readonly checkedByDefault?: boolean;
}

/** A provider as the form shows it. */
export interface ProviderForm {
  readonly name: string;
  readonly help: string;
  readonly fields: readonly ProviderField[];
  /** What the test send needs besides the integration. */
  readonly testNeeds?: 'channel' | 'email';
}

const transport = (t: string) => (v: Readonly<Record<string, string>>) =>
  (v['config.transport'] || 'smtp') === t;

/** The fields of every provider (docs/channels.md); secrets are write-only. */
export const PROVIDER_FORMS: Readonly<Record<Provider, ProviderForm>> = {
  slack: {
    name: 'Slack',
    help: 'Create a Slack app with the chat:write, chat:write.public, users:read and users:read.email bot scopes, install it, and paste its Bot User OAuth Token.',
    fields: [
      { key: 'secrets.botToken', label: 'Bot token', kind: 'secret', required: true, placeholder: 'xoxb-…' },
      {
        key: 'config.broadcastReplies',
        label: 'Thread replies also appear in the channel',
        kind: 'checkbox',
      },
    ],
    testNeeds: 'channel',
  },
  msteams: {
    name: 'Microsoft Teams',
    help: 'In the Teams channel: Workflows → “Post to a channel when a webhook request is received”, then paste the workflow URL.',
    fields: [
      {
        key: 'secrets.webhookUrl',
        label: 'Workflow URL',
        kind: 'secret',
        required: true,
        placeholder: 'https://…',
      },
    ],
  },
  email: {
    name: 'Email',
    help: 'Send email through your SMTP server, SendGrid or Amazon SES.',
    fields: [
      {
        key: 'config.transport',
        label: 'Send through',
        kind: 'select',
        options: [
          ['smtp', 'SMTP server'],
          ['sendgrid', 'SendGrid'],
          ['ses', 'Amazon SES'],
        ],
      },
      {
        key: 'config.from',
        label: 'From',
        kind: 'text',
        required: true,
        placeholder: 'Herald <alerts@example.com>',
      },
      { key: 'config.host', label: 'SMTP host', kind: 'text', required: true, when: transport('smtp') },
      { key: 'config.port', label: 'Port', kind: 'number', placeholder: '587', when: transport('smtp') },
      {
        key: 'config.secure',
        label: 'TLS from the start (port 465)',
        kind: 'checkbox',
        when: transport('smtp'),
      },
      { key: 'config.requireTLS', label: 'Require STARTTLS', kind: 'checkbox', when: transport('smtp') },
      { key: 'secrets.user', label: 'User name', kind: 'secret', when: transport('smtp') },
      { key: 'secrets.pass', label: 'Password', kind: 'secret', when: transport('smtp') },
      {
        key: 'secrets.apiKey',
        label: 'API key (Mail Send)',
        kind: 'secret',
        required: true,
        when: transport('sendgrid'),
      },
      {
        key: 'config.region',
        label: 'Region',
        kind: 'text',
        required: true,
        placeholder: 'eu-west-1',
        when: transport('ses'),
      },
      {
        key: 'config.configurationSetName',
        label: 'Configuration set',
        kind: 'text',
        when: transport('ses'),
      },
      {
        key: 'secrets.accessKeyId',
        label: 'Access key id',
        kind: 'secret',
        required: true,
        when: transport('ses'),
      },
      {
        key: 'secrets.secretAccessKey',
        label: 'Secret access key',
        kind: 'secret',
        required: true,
        when: transport('ses'),
      },
      { key: 'secrets.sessionToken', label: 'Session token', kind: 'secret', when: transport('ses') },
    ],
    testNeeds: 'email',
  },
  webhook: {
    name: 'Webhook',
    help: 'Herald POSTs JSON signed per Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature).',
    fields: [
      {
        key: 'config.url',
        label: 'Receiver URL',
        kind: 'url',
        required: true,
        placeholder: 'https://example.com/herald',
      },
      { key: 'config.timeoutMs', label: 'Timeout (ms)', kind: 'number', placeholder: '10000' },
      {
        key: 'config.sendResolved',
        label: 'Also send when an issue it was alerted of is resolved',
        kind: 'checkbox',
        checkedByDefault: true,
      },
      {
        key: 'config.format',
        label: 'Body format',
        kind: 'select',
        options: [
          ['herald', 'Herald (one body per notification type)'],
          ['alertmanager', 'Alertmanager (for receivers built for its webhooks)'],
        ],
      },
      {
        key: 'secrets.signingSecret',
        label: 'Signing secret',
        kind: 'secret',
        hint: 'Herald never shows it again. Left empty, Herald makes one and shows it once, after saving.',
        placeholder: 'whsec_…',
      },
      {
        key: 'secrets.authorization',
        label: 'Authorization header',
        kind: 'secret',
        hint: 'For receivers that take a token: sent as the Authorization header. Herald never shows it again.',
        placeholder: 'Bearer …',
      },
    ],
  },
  pagerduty: {
    name: 'PagerDuty',
    help: 'In the PagerDuty service: Integrations → Add an integration → Events API V2, and paste its Integration Key.',
    fields: [
      { key: 'secrets.routingKey', label: 'Integration key', kind: 'secret', required: true },
      {
        key: 'config.baseUrl',
        label: 'Service region',
        kind: 'select',
        options: [
          ['', 'US (events.pagerduty.com)'],
          ['https://events.eu.pagerduty.com', 'EU (events.eu.pagerduty.com)'],
        ],
      },
    ],
  },
  discord: {
    name: 'Discord',
    help: 'In the Discord channel: Edit channel → Integrations → Webhooks → New webhook, and paste its URL.',
    fields: [
      {
        key: 'secrets.webhookUrl',
        label: 'Webhook URL',
        kind: 'secret',
        required: true,
        placeholder: 'https://discord.com/api/webhooks/…',
      },
    ],
  },
};

/** A Standard Webhooks secret made in the browser, so the person can copy it before saving. */
export function generateSigningSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

/** The form's flat values as the API's `config` and `secrets`; blank secrets are left out (kept). */
export function integrationBody(
  form: ProviderForm,
  values: Readonly<Record<string, string>>,
): { config: Record<string, unknown>; secrets: Record<string, string> } {
  const config: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const field of form.fields) {
    if (field.when && !field.when(values)) continue;
    const raw = values[field.key] ?? '';
    const [part, name] = field.key.split('.') as ['config' | 'secrets', string];
    if (part === 'secrets') {
      if (raw.trim()) secrets[name] = raw.trim();
      continue;
    }
    if (field.kind === 'checkbox') config[name] = raw === 'true';
    else if (field.kind === 'number') {
      if (raw.trim()) config[name] = Number.isFinite(Number(raw)) ? Number(raw) : raw;
    } else if (raw.trim()) config[name] = raw.trim();
  }
  return { config, secrets };
}
