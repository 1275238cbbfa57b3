import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, lazyChildLogger, redactUrl, scalarLogger } from './logger.js';

/** A logger at `level` and the lines it wrote, parsed. */
function captured(level = 'info') {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger(level, destination), lines };
}

describe('logger', () => {
  it('censors secrets at the top level, one level down and in request headers', () => {
    const { logger, lines } = captured();
    logger.info(
      {
        token: 'top-token',
        secrets: { botToken: 'x' },
        integration: { id: 'int_1', secrets: { signingSecret: 'y' }, signingSecret: 'z', webhookUrl: 'w' },
        user: { password: 'p', name: 'Ada' },
        pagerduty: { routingKey: 'r' },
        slack: { botToken: 'b', token: 't', secret: 's' },
        req: {
          headers: { authorization: 'Bearer a', 'x-sentry-auth': 'Sentry k', cookie: 'c', accept: '*/*' },
        },
        headers: { authorization: 'Basic b' },
      },
      'with secrets',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['top-token', '"x"', '"y"', '"z"', '"w"', '"p"', '"r"', '"b"', '"t"', '"s"'])
      expect(text).not.toContain(secret);
    for (const secret of ['Bearer a', 'Sentry k', '"c"', 'Basic b']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      token: '[redacted]',
      integration: { id: 'int_1', secrets: '[redacted]' },
      user: { password: '[redacted]', name: 'Ada' },
      req: { headers: { authorization: '[redacted]', accept: '*/*' } },
    });
  });

  it('writes scalar lines to the same destination, at the same level, with the same fields', () => {
    const { logger, lines } = captured();
    const scalar = scalarLogger(logger);
    scalar.info({ deliveryId: 'dlv_1', status: 'sent', attempt: 1, reason: null }, 'delivery sent');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      service: 'herald',
      deliveryId: 'dlv_1',
      status: 'sent',
      attempt: 1,
      reason: null,
      msg: 'delivery sent',
    });
    expect(typeof lines[0]?.time).toBe('string');

    const quiet = captured('warn');
    scalarLogger(quiet.logger).info({ deliveryId: 'dlv_2' }, 'delivery sent');
    expect(quiet.lines).toHaveLength(0);
  });

  it('removes credentials from logged URLs', () => {
    expect(redactUrl('/api/1/store/?sentry_key=abc&x=1')).toBe('/api/1/store/?sentry_key=[redacted]&x=1');
    expect(redactUrl('/stream?token=t0k')).toBe('/stream?token=[redacted]');
  });

  it("a request's lazy logger writes the child's lines (bindings, redaction) and makes the child only for a line", () => {
    const { logger, lines } = captured();
    let made = 0;
    const counting = Object.create(logger, {
      child: {
        value: (...args: Parameters<typeof logger.child>) => {
          made++;
          return logger.child(...args);
        },
      },
    }) as typeof logger;
    const quiet = lazyChildLogger(counting, { reqId: 'req_1' }, {});
    expect(quiet.level).toBe('info');
    quiet.debug('below the level');
    expect(made).toBe(0);
    const lazy = lazyChildLogger(counting, { reqId: 'req_2' }, {});
    lazy.info({ token: 'secret-token', status: 202 }, 'request');
    lazy.warn('plain');
    expect(made).toBe(1);
    lazy.child({ step: 'inner' }).error({ err: new Error('boom') }, 'failed');
    expect(lines).toMatchObject([
      { reqId: 'req_2', token: '[redacted]', status: 202, msg: 'request' },
      { reqId: 'req_2', msg: 'plain' },
      { reqId: 'req_2', step: 'inner', msg: 'failed', err: { message: 'boom' } },
    ]);
    lazy.level = 'debug';
    lazy.debug('now at debug');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ reqId: 'req_2', msg: 'now at debug' });
    expect(logger.level).toBe('info');
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });
});
