/** Severity levels, lowest first, with Sentry's numbers. */
export const LEVELS = ['debug', 'info', 'warning', 'error', 'fatal'] as const;

/** One of {@link LEVELS}. */
export type Level = (typeof LEVELS)[number];

/** The number of a level: debug 10, info 20, warning 30, error 40, fatal 50. */
export const LEVEL_NUMBERS: Readonly<Record<Level, number>> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  fatal: 50,
};

/** One stack frame, as Sentry sends it. */
export interface StackFrame {
  readonly filename?: string;
  readonly abs_path?: string;
  readonly function?: string;
  readonly module?: string;
  readonly lineno?: number;
  readonly colno?: number;
  readonly in_app?: boolean;
  readonly [key: string]: unknown;
}

/** One exception of an event's chain. */
export interface ExceptionValue {
  readonly type?: string;
  readonly value?: string;
  readonly module?: string;
  readonly mechanism?: {
    readonly type?: string;
    readonly handled?: boolean;
    readonly [key: string]: unknown;
  };
  readonly stacktrace?: { readonly frames: readonly StackFrame[] };
  readonly [key: string]: unknown;
}

/**
 * An event after validation and normalization: Sentry's event payload with its ambiguities resolved
 * (timestamp in epoch ms, tags as a list of pairs, `message` taken from `logentry` when needed, level
 * defaulted). Unknown fields of the payload stay in `raw`.
 */
export interface HeraldEvent {
  readonly eventId: string;
  /** When it happened, epoch ms. */
  readonly timestamp: number;
  readonly level: Level;
  readonly message: string;
  readonly platform: string | null;
  readonly environment: string | null;
  readonly release: string | null;
  /** `error` (default), `transaction` (performance), `default`, … */
  readonly type: string;
  readonly tags: readonly (readonly [string, string])[];
  readonly user: {
    readonly id?: string;
    readonly email?: string;
    readonly username?: string;
    readonly ip_address?: string;
    readonly [key: string]: unknown;
  } | null;
  readonly exception: { readonly values: readonly ExceptionValue[] } | null;
  readonly request: {
    readonly method?: string;
    readonly url?: string;
    readonly [key: string]: unknown;
  } | null;
  readonly extra: Readonly<Record<string, unknown>>;
  readonly contexts: Readonly<Record<string, unknown>>;
  readonly sdk: { readonly name?: string; readonly version?: string; readonly [key: string]: unknown } | null;
  readonly fingerprint: readonly string[] | null;
  /** The payload as received, unknown fields included. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Issue statuses. */
export const ISSUE_STATUSES = ['unresolved', 'resolved', 'ignored'] as const;

/** One of {@link ISSUE_STATUSES}. */
export type IssueStatus = (typeof ISSUE_STATUSES)[number];

/** Issue categories; `performance` comes from transaction events. */
export const ISSUE_CATEGORIES = ['error', 'performance', 'feedback', 'cron'] as const;

/** One of {@link ISSUE_CATEGORIES}. */
export type IssueCategory = (typeof ISSUE_CATEGORIES)[number];

/** An issue as rules see it, after the current event was counted into it. */
export interface IssueSnapshot {
  readonly id: string;
  readonly projectId: string;
  readonly status: IssueStatus;
  readonly title: string;
  readonly level: Level;
  readonly category: IssueCategory;
  /** Epoch ms. */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Including the event being evaluated. */
  readonly timesSeen: number;
  readonly assignee: { readonly type: 'user' | 'team'; readonly id: string } | null;
  /** high | medium | low: from the first event's level, then as a person sets it. */
  readonly priority: string;
}

/** What the ingest of one event did to its issue. */
export interface IngestOutcome {
  readonly isNew: boolean;
  /** resolved → unresolved. */
  readonly isRegression: boolean;
  /** ignored → unresolved. */
  readonly isReappeared: boolean;
  /** First event of this issue in the event's environment. */
  readonly isNewInEnvironment: boolean;
}
