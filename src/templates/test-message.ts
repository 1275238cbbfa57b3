import type { ChannelKind } from '../delivery/channel.js';
import type { ChannelContents } from '../notifications/notification-type.js';
import { docRenderers } from './doc-renderers.js';
import type { MessageDoc } from './message-doc.js';
import type { RenderContext, Rendering } from './render-context.js';

/** The webhook body's `type` of a test message; receivers can drop it without reading further. */
export const TEST_MESSAGE_TYPE = 'integration_test';

/** What a test message is about: the integration being tried. */
export interface TestMessagePayload {
  readonly organization: { readonly id: string; readonly slug: string; readonly name: string };
  readonly integration: { readonly id: string; readonly name: string; readonly provider: string };
  /** Unique per test, so PagerDuty opens a fresh incident and receivers can tell tests apart. */
  readonly testId: string;
  readonly test: true;
}

function doc(p: TestMessagePayload, r: Rendering): MessageDoc {
  const integrations = `${r.context.baseUrl}/orgs/${encodeURIComponent(p.organization.slug)}/integrations`;
  return {
    subject: `Herald test message for “${p.integration.name}”`,
    title: `Test of “${p.integration.name}”`,
    url: integrations,
    tone: 'info',
    intro: `This test message was sent from Herald to check the integration “${p.integration.name}” of ${p.organization.name}.`,
    message: 'If you can read this, the integration delivers. No notification was recorded.',
    fields: [{ label: r.t('field.provider'), value: p.integration.provider }],
    lists: [],
    actions: [{ label: r.t('action.viewIntegrations'), url: integrations }],
    footer: [`Test ${p.testId}`],
    orgName: p.organization.name,
    source: p.integration.name,
  };
}

const metadata = (p: TestMessagePayload) => ({
  organization: p.organization.slug,
  integrationId: p.integration.id,
  testId: p.testId,
});

const renderers = docRenderers<TestMessagePayload>({
  id: TEST_MESSAGE_TYPE,
  doc,
  metadata,
  critical: () => false,
});

/**
 * Renders the short test message of an integration for `channel`. It is not a registered notification
 * type: nobody can subscribe to it, and it never appears in settings or the history.
 */
export async function renderTestMessage<K extends ChannelKind>(
  channel: K,
  payload: TestMessagePayload,
  context: RenderContext,
): Promise<ChannelContents[K]> {
  return renderers[channel](payload, context);
}
