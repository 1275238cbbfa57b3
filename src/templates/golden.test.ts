import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CHANNEL_KINDS, type ChannelKind } from '../delivery/channel.js';
import { notificationTypes } from '../notifications/registry.js';
import { fixtureContext } from './render-fixtures.js';
import { renderNotification } from './render-notification.js';

/**
 * Golden files: every built-in type on every channel in English, and German and Japanese for one type
 * per channel. `UPDATE_GOLDEN=1 npx vitest run src/templates/golden.test.ts` rewrites them; review the
 * diff like code.
 */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../test/golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/** The type whose de and ja renderings are kept per channel: spread so each type is seen translated. */
const LOCALIZED: Readonly<Record<ChannelKind, string>> = {
  email: 'issue_alert',
  slack: 'digest',
  msteams: 'regression',
  webhook: 'release',
  push: 'assigned',
  inapp: 'resolved',
  pagerduty: 'integration_disabled',
  discord: 'deploy',
};

function compare(file: string, actual: string): void {
  const path = join(ROOT, file);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`Golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  expect(actual, `${file} differs from its golden (UPDATE_GOLDEN=1 rewrites it)`).toBe(
    readFileSync(path, 'utf8'),
  );
}

async function check(typeId: string, channel: ChannelKind, locale: string): Promise<void> {
  const type = notificationTypes().find((t) => t.id === typeId)!;
  const content = await renderNotification(type, channel, type.sample(), fixtureContext(locale));
  const base = `${typeId}/${channel}.${locale}`;
  if (channel === 'email') {
    const email = content as {
      subject: string;
      html: string;
      text: string;
      headers?: Record<string, string>;
    };
    const headers = Object.entries(email.headers ?? {}).map(([k, v]) => `${k}: ${v}\n`);
    compare(`${base}.html`, email.html);
    compare(`${base}.txt`, `Subject: ${email.subject}\n${headers.join('')}\n${email.text}`);
  } else {
    compare(`${base}.json`, `${JSON.stringify(content, null, 2)}\n`);
  }
}

describe('golden renderings', () => {
  for (const type of notificationTypes().filter((t) => !t.id.startsWith('test_'))) {
    describe(type.id, () => {
      it.each(CHANNEL_KINDS)('%s in English', (channel) => check(type.id, channel, 'en'));
    });
  }
  describe('translated', () => {
    for (const [channel, typeId] of Object.entries(LOCALIZED) as [ChannelKind, string][]) {
      it.each(['de', 'ja'])(`${typeId} on ${channel} in %s`, (locale) => check(typeId, channel, locale));
    }
  });
});
