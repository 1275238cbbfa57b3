import { describe, expect, it } from 'vitest';
import { filterPasses, makeEvent, makeInput } from '../test-fixtures.js';

const attr = (attribute: string, match: string, value?: string) => ({
  id: 'event_attribute',
  attribute,
  match,
  value,
});

const event = makeEvent({
  message: 'Payment failed: card DECLINED',
  platform: 'python',
  environment: 'production',
  release: 'shop@2.0.1',
  level: 'fatal',
  type: 'error',
  user: { id: 'u-1', email: 'Ada@Example.com', username: 'ada', ip_address: '10.0.0.1' },
  request: { method: 'POST', url: 'https://shop.example.com/pay' },
  contexts: {
    response: { status_code: 502 },
    app: { in_foreground: true },
    os: { distribution_name: 'ubuntu' },
  },
  sdk: { name: 'sentry.python', version: '2.0' },
  exception: {
    values: [
      {
        type: 'ConnectionError',
        value: 'upstream timed out',
        mechanism: { type: 'generic', handled: true },
        stacktrace: {
          frames: [
            { filename: 'app/pay.py', abs_path: '/srv/app/pay.py', module: 'app.pay', function: 'charge' },
          ],
        },
      },
      {
        type: 'CardDeclined',
        value: 'declined',
        mechanism: { type: 'generic', handled: false },
        stacktrace: {
          frames: [
            {
              filename: 'lib/card.py',
              module: 'lib.card',
              function: 'authorize',
              package: 'cards',
              pre_context: ['def authorize(card):'],
              context_line: '    raise CardDeclined()',
              post_context: [],
            },
          ],
        },
      },
    ],
  },
  extra: {
    order: { id: 991, Items: ['book', 'pen'], paid: false, notes: null },
    Retries: 0,
    region: 'EU-West',
  },
  raw: {
    threads: { values: [{ stacktrace: { frames: [{ filename: 'worker/loop.py', function: 'run' }] } }] },
  },
});
const input = makeInput({ event });

describe('event_attribute', () => {
  it.each([
    ['message', 'co', 'card declined', true],
    ['platform', 'eq', 'PYTHON', true],
    ['environment', 'eq', 'production', true],
    ['type', 'eq', 'error', true],
    ['release', 'sw', 'shop@2', true],
    ['level', 'eq', 'fatal', true],
    ['exception.type', 'eq', 'carddeclined', true],
    ['exception.type', 'eq', 'ConnectionError', true],
    ['exception.value', 'co', 'timed out', true],
    ['user.id', 'eq', 'U-1', true],
    ['user.email', 'ew', '@example.com', true],
    ['user.username', 'eq', 'ada', true],
    ['user.ip_address', 'sw', '10.', true],
    ['http.method', 'eq', 'post', true],
    ['http.url', 'co', '/pay', true],
    ['http.status_code', 'eq', '502', true],
    ['http.status_code', 'gte', '500', true],
    ['http.status_code', 'lt', '500', false],
    ['sdk.name', 'eq', 'sentry.python', true],
    ['stacktrace.filename', 'eq', 'lib/card.py', true],
    ['stacktrace.filename', 'eq', 'worker/loop.py', true],
    ['stacktrace.abs_path', 'eq', '/srv/app/pay.py', true],
    ['stacktrace.module', 'in', 'lib.card, other', true],
    ['stacktrace.function', 'eq', 'charge', true],
    ['stacktrace.function', 'eq', 'run', true],
    ['stacktrace.package', 'eq', 'cards', true],
    ['stacktrace.code', 'co', 'raise carddeclined', true],
    ['stacktrace.code', 'eq', 'def authorize(card):', true],
    ['app.in_foreground', 'eq', 'true', true],
    ['os.distribution_name', 'eq', 'Ubuntu', true],
    ['Message', 'nc', 'declined', false],
    ['platform', 'ne', 'python', false],
    ['stacktrace.filename', 'nsw', 'lib/', false],
    ['stacktrace.filename', 'new', '.py', false],
  ])('%s %s %j → %s', (attribute, match, value, expected) => {
    expect(filterPasses(attr(attribute, match, value), input)).toBe(expected);
  });

  it('reads error.handled and error.unhandled per exception, as Sentry does', () => {
    expect(filterPasses(attr('error.handled', 'eq', 'true'), input)).toBe(true);
    expect(filterPasses(attr('error.unhandled', 'eq', 'true'), input)).toBe(true);
    const handledOnly = makeInput({
      event: makeEvent({ exception: { values: [{ type: 'E', mechanism: { handled: true } }] } }),
    });
    expect(filterPasses(attr('error.unhandled', 'eq', 'true'), handledOnly)).toBe(false);
    expect(filterPasses(attr('error.unhandled', 'eq', 'false'), handledOnly)).toBe(true);
    const unknown = makeInput({ event: makeEvent({ exception: { values: [{ type: 'E' }] } }) });
    expect(filterPasses(attr('error.handled', 'ns'), unknown)).toBe(true);
  });

  describe('extra paths', () => {
    it.each([
      ['extra.order.id', 'eq', '991', true],
      ['extra.order.id', 'gt', '990', true],
      ['extra.order.items', 'eq', 'pen', true],
      ['extra.order.items', 'ne', 'pen', false],
      ['extra.order.paid', 'eq', 'false', true],
      ['extra.retries', 'eq', '0', true],
      ['extra.REGION', 'eq', 'eu-west', true],
      ['extra.order.notes', 'ns', undefined, true],
      ['extra.order.missing', 'ns', undefined, true],
      ['extra.order.missing', 'ne', 'x', true],
      ['extra.order.missing', 'eq', 'x', false],
      ['extra.region.deeper', 'is', undefined, false],
      ['extra.order', 'co', '"id":991', true],
      ['extra.constructor', 'is', undefined, false],
    ])('%s %s %j → %s', (attribute, match, value, expected) => {
      expect(filterPasses(attr(attribute, match, value), input)).toBe(expected);
    });
  });

  it('treats every missing part of an event as no value, never as an error', () => {
    const bare = makeInput({ event: makeEvent({ message: '', platform: null, environment: null }) });
    for (const attribute of [
      'message',
      'platform',
      'environment',
      'release',
      'exception.type',
      'user.email',
      'http.status_code',
      'sdk.name',
      'stacktrace.code',
      'extra.a.b',
      'app.in_foreground',
    ]) {
      expect(filterPasses(attr(attribute, 'eq', 'x'), bare)).toBe(false);
      expect(filterPasses(attr(attribute, 'ne', 'x'), bare)).toBe(true);
      expect(filterPasses(attr(attribute, 'is'), bare)).toBe(false);
      expect(filterPasses(attr(attribute, 'ns'), bare)).toBe(true);
    }
  });

  it('reads payloads whose unchecked parts have unexpected shapes', () => {
    const odd = makeInput({
      event: makeEvent({
        contexts: { response: 'nope' },
        raw: { stacktrace: { frames: 'nope' }, threads: { values: [null, { stacktrace: 1 }] } },
      }),
    });
    expect(filterPasses(attr('http.status_code', 'is'), odd)).toBe(false);
    expect(filterPasses(attr('stacktrace.filename', 'ns'), odd)).toBe(true);
  });
});
