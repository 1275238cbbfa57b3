// Shapes of the API answers the dashboard reads (see `GET /api/v1/openapi.json`).

/** Notification channels, in the order the settings matrix shows them. */
export const CHANNELS = [
  'email',
  'slack',
  'msteams',
  'inapp',
  'push',
  'webhook',
  'pagerduty',
  'discord',
] as const;
/** One of {@link CHANNELS}. */
export type Channel = (typeof CHANNELS)[number];

/** Settings categories. */
export const SETTING_TYPES = ['alerts', 'workflow', 'deploy'] as const;
/** One of {@link SETTING_TYPES}. */
export type SettingType = (typeof SETTING_TYPES)[number];

/** Every value a setting may hold. */
export type SettingValue = 'always' | 'never' | 'subscribe_only' | 'committed_only';

/** The values each category accepts. */
export const VALUES_BY_TYPE: Readonly<Record<SettingType, readonly SettingValue[]>> = {
  alerts: ['always', 'never'],
  workflow: ['always', 'never', 'subscribe_only'],
  deploy: ['always', 'never', 'committed_only'],
};

/** Scope kinds of a setting. */
export type ScopeType = 'user' | 'team' | 'organization' | 'project';

/** An organization. */
export interface Org {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

/** The person behind a personal token. */
export interface Me {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly locale: string;
  readonly timezone: string;
  readonly organizations: readonly (Org & { readonly role: string })[];
}

/** Member roles, most powerful first. */
export const ROLES = ['owner', 'admin', 'member'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** A member of an organization. */
export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly locale: string;
  readonly timezone: string;
  readonly createdAt: string;
}

/** A project. */
export interface Project {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly platform: string | null;
  /** The Sentry DSN its SDKs send events with: `http(s)://<key>@<host>/<number>`. */
  readonly dsn: string;
  readonly teamIds: readonly string[];
  /** At most `count` events per `windowSeconds` are taken, the rest refused with 429; null takes all. */
  readonly rateLimit: RateLimit | null;
  readonly createdAt: string;
}

/** A project's ingest limit. */
export interface RateLimit {
  readonly count: number;
  readonly windowSeconds: number;
}

/** An organization API key as listed: never its token, which only the answer that creates it carries. */
export interface ApiKey {
  readonly id: string;
  readonly name: string;
  /** The token's first characters (`hrk_…`), to tell keys apart. */
  readonly prefix: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** A team. */
export interface Team {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly memberIds: readonly string[];
  readonly createdAt: string;
}

/** A stored setting row. */
export interface SettingRow {
  readonly ownerType: 'user' | 'team';
  readonly ownerId: string;
  readonly type: SettingType;
  readonly channel: Channel | null;
  readonly scopeType: ScopeType;
  readonly scopeId: string;
  readonly value: SettingValue;
}

/** Where an effective value came from. */
export type SettingSource =
  | 'default'
  | {
      readonly scopeType: ScopeType;
      readonly scopeId: string;
      readonly ownerType: 'user' | 'team';
      readonly ownerId: string;
      readonly channel: Channel | null;
    };

/** The value that applies to a type and channel in a context. */
export interface EffectiveSetting {
  readonly type: SettingType;
  readonly channel: Channel;
  readonly value: SettingValue;
  readonly source: SettingSource;
}

/** A weekly quiet window in the person's time zone. */
export interface QuietWindow {
  readonly days: readonly string[];
  readonly start: string;
  readonly end: string;
}

/** Per-person options besides the matrix. */
export interface UserOptions {
  readonly locale: string;
  readonly timezone: string;
  readonly quietHours: readonly QuietWindow[];
  readonly snoozeUntil: string | null;
  readonly emailDigests: boolean;
  readonly selfNotifications: boolean;
  /** Personal channels tried in order when a message cannot reach the person. */
  readonly fallback: readonly string[];
}

/** `GET …/notification-settings`. */
export interface UserSettings {
  readonly userId: string;
  readonly settings: readonly SettingRow[];
  readonly context: { readonly orgId: string | null; readonly projectId: string | null };
  readonly effective: readonly EffectiveSetting[];
  readonly options: UserOptions;
}

/** An in-app inbox message. */
export interface InboxMessage {
  readonly id: string;
  readonly orgId: string | null;
  readonly notificationId: string;
  readonly type: string;
  readonly title: string;
  readonly body: string;
  readonly url: string;
  readonly readAt: string | null;
  readonly archivedAt: string | null;
  readonly createdAt: string;
}

/** A page of the inbox. */
export interface InboxPage {
  readonly data: readonly InboxMessage[];
  readonly nextCursor: string | null;
  readonly unreadCount: number;
}

/** One delivery of a notification. */
export interface Delivery {
  readonly id: string;
  readonly recipient: { readonly type: string; readonly id: string };
  readonly channel: string;
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly integrationId: string | null;
  readonly digestId: string | null;
  readonly fallbackOf: string | null;
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  readonly lastError: string | null;
}

/** A notification with its deliveries. */
export interface Notification {
  readonly id: string;
  readonly type: string;
  readonly projectId: string | null;
  readonly issueId: string | null;
  readonly eventId: string | null;
  readonly ruleIds: readonly string[];
  readonly createdAt: string;
  readonly deliveries: readonly Delivery[];
}

/** A delivery as the dead-letter list shows it. */
export interface DeadLetter {
  readonly id: string;
  readonly notificationId: string;
  readonly recipient: { readonly type: string; readonly id: string };
  readonly channel: string;
  readonly status: string;
  readonly reason: string | null;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: string | null;
  readonly sentAt: string | null;
  readonly fallbackOf: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A page of a list. */
export interface Page<T> {
  readonly data: readonly T[];
  readonly nextCursor?: string | null;
}

/** An integration; secrets are named, never shown. */
export interface Integration {
  readonly id: string;
  readonly provider: Provider;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly secretFields: readonly string[];
  readonly status: string;
  readonly disabledReason: string | null;
  readonly createdAt: string;
  /** In the answer that created or changed it only: secrets Herald made (a webhook's signing secret). */
  readonly generatedSecrets?: Readonly<Record<string, string>>;
}

/** Integration providers. */
export const PROVIDERS = ['slack', 'msteams', 'email', 'webhook', 'pagerduty', 'discord'] as const;
/** One of {@link PROVIDERS}. */
export type Provider = (typeof PROVIDERS)[number];

/** A rule snooze in force. */
export interface RuleSnooze {
  readonly target: 'everyone' | 'user';
  readonly userId: string | null;
  readonly until: string | null;
}

/** A node of a rule: its `id` and the fields of DESIGN.md §5. */
export type RuleNode = { id: string } & Record<string, unknown>;

/** A rule as the API returns it. */
export interface Rule {
  readonly id: string;
  readonly name: string;
  readonly environment: string | null;
  readonly actionMatch: MatchMode;
  readonly filterMatch: MatchMode;
  readonly frequency: number;
  readonly conditions: RuleNode[];
  readonly filters: RuleNode[];
  readonly actions: RuleNode[];
  readonly updatedAt: string;
  readonly snoozes: readonly RuleSnooze[];
}

/** How nodes combine. */
export type MatchMode = 'all' | 'any' | 'none';

/** `POST …/rules/preview`. */
export interface RulePreview {
  readonly data: readonly { issueId: string; title: string; fired: number }[];
  readonly totalFired: number;
  readonly eventsScanned: number;
}

/** `POST …/integrations/{id}/test`. */
export type TestResult =
  | { readonly ok: true; readonly providerMessageId: string | null; readonly providerResponse: string | null }
  | {
      readonly ok: false;
      readonly error: { class: string; code: string; message: string; fatal: boolean };
    };

/** An issue as the API shows it (`GET /api/v1/issues/{id}`); the list leaves out the last two fields. */
export interface Issue {
  readonly id: string;
  readonly projectId: string;
  readonly title: string;
  readonly culprit: string;
  readonly level: string;
  readonly status: 'unresolved' | 'resolved' | 'ignored';
  readonly priority: string;
  readonly firstSeen: string;
  readonly lastSeen: string;
  readonly timesSeen: number;
  readonly usersSeen: number;
  readonly assignee: { readonly type: 'user' | 'team'; readonly id: string; readonly name: string } | null;
  readonly environments?: readonly { readonly name: string; readonly firstSeen: string }[];
  readonly latestEvent?: Record<string, unknown> | null;
  /** With a personal token: whether that person follows the issue (null: never decided). */
  readonly subscription?: { readonly subscribed: boolean; readonly reason: string } | null;
  /** The active silences its latest event matches: while they last, its alerts fire no rule. */
  readonly silencedBy?: readonly Silence[];
  /** Ids of the firing issues whose inhibit rules mute its alerts now. */
  readonly inhibitedBy?: readonly string[];
  /** When its Prometheus alert ends unless sent again (then the issue is resolved); null for others. */
  readonly alertEndsAt?: string | null;
}

/** A release of a project with its commits and deploys. */
export interface Release {
  readonly id: string;
  readonly version: string;
  readonly createdAt: string;
  readonly commits: readonly {
    readonly id: string;
    readonly message: string | null;
    readonly authorEmail: string | null;
    readonly authorName: string | null;
  }[];
  readonly deploys: readonly {
    readonly id: string;
    readonly environment: string;
    readonly createdAt: string;
  }[];
}

/** A silence's states: before its start, until its end, after. */
export const SILENCE_STATES = ['pending', 'active', 'expired'] as const;
/** One of {@link SILENCE_STATES}. */
export type SilenceState = (typeof SILENCE_STATES)[number];

/** One matcher of a silence, Alertmanager's shape: a tag name, a value, and how they compare. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  /** The value is an RE2 regular expression, matched against the whole tag value. */
  readonly isRegex: boolean;
  /** False negates the matcher. */
  readonly isEqual: boolean;
}

/** A silence of a project (`GET /api/v1/projects/{org}/{project}/silences`). */
export interface Silence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly status: { readonly state: SilenceState };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * An inhibit rule of a project (`GET /api/v1/projects/{org}/{project}/inhibit-rules`), Alertmanager's:
 * while an unresolved issue whose latest event matches `sourceMatchers` exists, the events matching
 * `targetMatchers` with the same values of the `equal` labels fire no alert rule.
 */
export interface InhibitRule {
  readonly id: string;
  readonly sourceMatchers: readonly SilenceMatcher[];
  readonly targetMatchers: readonly SilenceMatcher[];
  readonly equal: readonly string[];
  readonly comment: string;
  readonly createdAt: string;
}

/** A per-recipient limit on one channel: at most `limit` messages per `windowSeconds` (a token bucket). */
export interface ChannelLimit {
  readonly limit: number;
  readonly windowSeconds: number;
}

/** `GET/PUT /api/v1/orgs/{org}/throttle`: the limits in force per channel, and those the org set itself. */
export interface ThrottleLimits {
  /** Null: no limit on the channel. */
  readonly limits: Readonly<Record<Channel, ChannelLimit | null>>;
  /** The channels the organization set; the others follow Herald's defaults. */
  readonly overrides: Readonly<Partial<Record<Channel, ChannelLimit | null>>>;
  /** Herald's own limits. */
  readonly defaults: Readonly<Record<Channel, ChannelLimit | null>>;
}

/** `GET/PUT /api/v1/orgs/{org}/retries`: attempts a delivery gets in all, the first included (1–20). */
export interface RetrySettings {
  readonly maxAttempts: number;
}

/** `GET/PUT /api/v1/projects/{org}/{project}/digests`, in seconds; `increment` is fixed. */
export interface DigestSchedule {
  readonly minimumDelay: number;
  readonly maximumDelay: number;
  readonly increment: number;
  /** The first alert of each new issue goes out at once, limits allowing. */
  readonly immediateNewIssues: boolean;
}

/** `GET/PUT /api/v1/projects/{org}/{project}/ownership`: the rules as text, and as the API read them. */
export interface Ownership {
  readonly raw: string;
  readonly rules: readonly {
    readonly matcher: { readonly type: string; readonly pattern: string };
    readonly owners: readonly {
      readonly type: 'user' | 'team';
      readonly identifier: string;
      readonly id: string;
    }[];
  }[];
}

/** An organization's Liquid override of one type on one channel (`GET …/templates/{type}/{channel}`). */
export interface TemplateOverride {
  readonly type: string;
  readonly channel: Channel;
  /** Liquid source by part name; parts not given keep Herald's built-in rendering. */
  readonly parts: Readonly<Record<string, string>>;
  readonly updatedAt: string;
}

/** `POST …/templates/{type}/{channel}/preview`: the channel's content rendered with the type's sample. */
export interface TemplatePreview {
  readonly content: Readonly<Record<string, unknown>>;
  /** Whether any part of an override took part in it. */
  readonly overridden: boolean;
}

/** One part of a channel's content that an organization may write in Liquid. */
export interface TemplatePart {
  readonly name: string;
  readonly label: string;
  readonly description: string;
  /** Lines of its text area: a subject is one line, an email body many. */
  readonly rows: number;
}

/**
 * The parts each channel's templates have, as the API takes them (`parts` of `PUT …/templates`); the
 * API does not list them, so they are named here in its order.
 */
export const TEMPLATE_PARTS: Readonly<Record<Channel, readonly TemplatePart[]>> = {
  email: [
    { name: 'subject', label: 'Subject', description: 'One line.', rows: 2 },
    {
      name: 'html',
      label: 'HTML body',
      description: 'Placed inside Herald’s layout, above the footer with the settings and unsubscribe links.',
      rows: 10,
    },
    {
      name: 'text',
      label: 'Text part',
      description: 'Left empty, it is converted from the HTML body.',
      rows: 6,
    },
  ],
  slack: [
    { name: 'text', label: 'Text', description: 'Fallback text (mrkdwn) shown in notifications.', rows: 3 },
    {
      name: 'blocks',
      label: 'Blocks',
      description: 'Block Kit blocks, rendering to a JSON array.',
      rows: 10,
    },
  ],
  msteams: [
    { name: 'title', label: 'Title', description: 'The card’s heading.', rows: 2 },
    { name: 'text', label: 'Text', description: 'The card’s text.', rows: 6 },
  ],
  inapp: [
    { name: 'title', label: 'Title', description: 'The inbox title, one line.', rows: 2 },
    { name: 'body', label: 'Body', description: 'The inbox text.', rows: 4 },
  ],
  push: [
    { name: 'title', label: 'Title', description: 'The notification’s title, one line.', rows: 2 },
    { name: 'body', label: 'Body', description: 'The notification’s text.', rows: 4 },
  ],
  webhook: [
    {
      name: 'data',
      label: 'Data',
      description: 'The body’s data, rendering to a JSON object; its notificationId is kept.',
      rows: 10,
    },
  ],
  pagerduty: [
    {
      name: 'summary',
      label: 'Summary',
      description: 'The incident summary, at most 1024 characters.',
      rows: 2,
    },
  ],
  discord: [
    { name: 'title', label: 'Title', description: 'The embed’s title.', rows: 2 },
    { name: 'description', label: 'Description', description: 'The embed’s text (markdown).', rows: 6 },
  ],
};
