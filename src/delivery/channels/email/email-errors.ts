import { PermanentDeliveryError, TransientDeliveryError } from '../../channel.js';

/** The fields of a nodemailer error that classification reads. */
interface SmtpErrorLike {
  readonly code?: string;
  readonly responseCode?: number;
  readonly response?: string;
}

const AUTH_REPLIES = new Set([530, 534, 535]);
const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EPROTOCOL']);

function fields(err: unknown): SmtpErrorLike {
  if (typeof err !== 'object' || err === null) return {};
  const e = err as Record<string, unknown>;
  return {
    code: typeof e['code'] === 'string' ? e['code'] : undefined,
    responseCode: typeof e['responseCode'] === 'number' ? e['responseCode'] : undefined,
    response: typeof e['response'] === 'string' ? e['response'] : undefined,
  };
}

/**
 * Classifies an SMTP failure. 5xx replies are permanent (auth replies also fatal: the credentials are
 * wrong for every mail); 4xx replies and connection failures are transient. The nodemailer error is not
 * kept as the cause because it may carry the AUTH command line.
 */
export function classifySmtpError(err: unknown): PermanentDeliveryError | TransientDeliveryError {
  const { code, responseCode, response } = fields(err);
  const reply = (response ?? (err instanceof Error ? err.message : String(err))).slice(0, 300);
  if (code === 'EAUTH' || (responseCode !== undefined && AUTH_REPLIES.has(responseCode))) {
    return new PermanentDeliveryError(`SMTP authentication failed: ${reply}`, {
      code: `smtp_${responseCode ?? 'auth'}`,
      fatal: true,
    });
  }
  if (responseCode !== undefined && responseCode >= 500) {
    return new PermanentDeliveryError(`SMTP server refused the mail: ${reply}`, {
      code: `smtp_${responseCode}`,
    });
  }
  if (responseCode !== undefined && responseCode >= 400) {
    return new TransientDeliveryError(`SMTP server deferred the mail: ${reply}`, {
      code: `smtp_${responseCode}`,
    });
  }
  const label = code && CONNECTION_CODES.has(code) ? `smtp_${code.toLowerCase()}` : 'smtp_error';
  return new TransientDeliveryError(`SMTP delivery failed: ${reply}`, { code: label });
}

/** Error types of SES v2 that no retry can fix for the whole account. */
const SES_FATAL = new Set([
  'AccountSuspendedException',
  'SendingPausedException',
  'MailFromDomainNotVerifiedException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'UnrecognizedClientException',
  'AccessDeniedException',
]);

/** Classifies a non-2xx SES v2 answer by status and `x-amzn-errortype`. */
export function classifySesError(
  status: number,
  errorType: string | undefined,
  message: string,
  retryAfterMs: number | undefined,
): PermanentDeliveryError | TransientDeliveryError {
  const type = (errorType ?? '').split(':')[0] || `http_${status}`;
  const detail = `SES answered HTTP ${status} ${type}: ${message.slice(0, 200)}`;
  if (
    status === 429 ||
    status >= 500 ||
    type === 'TooManyRequestsException' ||
    type === 'LimitExceededException'
  ) {
    return new TransientDeliveryError(detail, { code: `ses_${type}`, retryAfterMs });
  }
  return new PermanentDeliveryError(detail, {
    code: `ses_${type}`,
    fatal: SES_FATAL.has(type) || status === 401 || status === 403,
  });
}
