/**
 * Row types of every table, as Kysely sees them. Times are epoch milliseconds (bigint columns, parsed to
 * numbers on PostgreSQL), JSON is stored as text, booleans as 0/1: one representation on both databases.
 */
export interface Database {
  instance_settings: InstanceSettingTable;
  organizations: OrganizationTable;
  users: UserTable;
  members: MemberTable;
  teams: TeamTable;
  team_members: TeamMemberTable;
  projects: ProjectTable;
  project_teams: ProjectTeamTable;
  integrations: IntegrationTable;
  api_keys: ApiKeyTable;
  idempotency_keys: IdempotencyKeyTable;
  jobs: JobTable;
  notification_settings: NotificationSettingTable;
  user_options: UserOptionsTable;
  ownership_rules: OwnershipRuleTable;
  ownership_texts: OwnershipTextTable;
  issue_subscriptions: IssueSubscriptionTable;
  releases: ReleaseTable;
  release_commits: ReleaseCommitTable;
  deploys: DeployTable;
  user_tokens: UserTokenTable;
  issues: IssueTable;
  events: EventTable;
  issue_environments: IssueEnvironmentTable;
  issue_users: IssueUserTable;
  issue_counts: IssueCountTable;
  issue_user_buckets: IssueUserBucketTable;
  rules: RuleTable;
  rule_snoozes: RuleSnoozeTable;
  rule_fire_state: RuleFireStateTable;
  silences: SilenceTable;
  inhibit_rules: InhibitRuleTable;
  alert_ends: AlertEndTable;
  notifications: NotificationTable;
  notification_rules: NotificationRuleTable;
  deliveries: DeliveryTable;
  delivery_attempts: DeliveryAttemptTable;
  channel_state: ChannelStateTable;
  sign_in_links: SignInLinkTable;
  templates: TemplateTable;
  inbox_messages: InboxMessageTable;
  push_subscriptions: PushSubscriptionTable;
  engagement_events: EngagementEventTable;
  delivery_links: DeliveryLinkTable;
  throttle_buckets: ThrottleBucketTable;
  digests: DigestTable;
  digest_keys: DigestKeyTable;
  digest_seen_issues: DigestSeenIssueTable;
}

/** Installation-wide key/value settings (admin token hash, generated keys). */
export interface InstanceSettingTable {
  key: string;
  value: string;
}

/** An organization: the tenant. */
export interface OrganizationTable {
  id: string;
  slug: string;
  name: string;
  /** JSON object of organization-level options. */
  options: string;
  created_at: number;
  updated_at: number;
}

/** A person, global across organizations. */
export interface UserTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  locale: string;
  timezone: string;
  created_at: number;
  last_active_at: number | null;
}

/** A user's membership of an organization. */
export interface MemberTable {
  org_id: string;
  user_id: string;
  role: string;
  created_at: number;
}

/** A team of an organization. */
export interface TeamTable {
  id: string;
  org_id: string;
  slug: string;
  name: string;
  created_at: number;
}

/** A user in a team. */
export interface TeamMemberTable {
  team_id: string;
  user_id: string;
}

/** A project: where events arrive. `number` is the numeric id Sentry DSNs carry. */
export interface ProjectTable {
  id: string;
  org_id: string;
  slug: string;
  name: string;
  number: number;
  dsn_key: string;
  platform: string | null;
  /** JSON object of project-level options (digest overrides, …). */
  options: string;
  created_at: number;
  /** When it was deleted: hidden everywhere from then on, until the purge job removes it; null while live. */
  deleted_at?: number | null;
}

/** A project's teams. */
export interface ProjectTeamTable {
  project_id: string;
  team_id: string;
}

/** An organization's connection to a provider; secrets are AES-256-GCM ciphertext. */
export interface IntegrationTable {
  id: string;
  org_id: string;
  provider: string;
  name: string;
  /** JSON object. */
  config: string;
  /** Encrypted JSON object of secrets. */
  secrets: string;
  status: string;
  disabled_reason: string | null;
  created_at: number;
  updated_at: number;
}

/** An organization API key; only its SHA-256 is kept. */
export interface ApiKeyTable {
  id: string;
  org_id: string;
  name: string;
  token_hash: string;
  /** First characters of the token, to recognise it in lists. */
  prefix: string;
  created_at: number;
  last_used_at: number | null;
}

/** A remembered answer to a write with an `Idempotency-Key`. */
export interface IdempotencyKeyTable {
  scope: string;
  key: string;
  request_hash: string;
  /** 0 while the first request is still running. */
  status_code: number;
  response: string | null;
  created_at: number;
}

/** One preference of a user or team; `channel` '*' is the whole category on every channel. */
export interface NotificationSettingTable {
  owner_type: string;
  owner_id: string;
  type: string;
  channel: string;
  scope_type: string;
  scope_id: string;
  value: string;
  updated_at: number;
}

/** A user's delivery options beyond locale and time zone (those live on `users`). */
export interface UserOptionsTable {
  user_id: string;
  /** JSON array of quiet windows, read in the user's time zone. */
  quiet_hours: string;
  snoozed_until: number | null;
  /** 0/1. */
  email_digests: number;
  /** 0/1: also notify the user about their own workflow actions. */
  self_notifications: number;
  /** JSON array of personal channels to fall back to, in order, when a rule names none. */
  fallback: string;
  updated_at: number;
}

/** One ownership rule of a project, in file order; owners are a JSON array of user and team ids. */
export interface OwnershipRuleTable {
  project_id: string;
  position: number;
  matcher_type: string;
  pattern: string;
  owners: string;
  updated_at: number;
}

/** The text form of a project's ownership rules as last sent (for its comments and blank lines). */
export interface OwnershipTextTable {
  project_id: string;
  raw: string;
  updated_at: number;
}

/** A user's subscription to an issue; `subscribed` 0 is an explicit unsubscribe that outlasts others. */
export interface IssueSubscriptionTable {
  issue_id: string;
  user_id: string;
  reason: string;
  subscribed: number;
  created_at: number;
  updated_at: number;
}

/** A release of a project; the version is unique per project. */
export interface ReleaseTable {
  id: string;
  org_id: string;
  project_id: string;
  version: string;
  created_at: number;
}

/** A commit of a release; `author_email` is lower-cased. */
export interface ReleaseCommitTable {
  release_id: string;
  commit_id: string;
  position: number;
  message: string | null;
  author_email: string | null;
  author_name: string | null;
}

/** A release deployed to an environment. */
export interface DeployTable {
  id: string;
  release_id: string;
  environment: string;
  created_at: number;
}

/** A personal token of a user; only its SHA-256 is kept. */
export interface UserTokenTable {
  id: string;
  user_id: string;
  token_hash: string;
  name: string;
  prefix: string;
  created_at: number;
  last_used_at: number | null;
  /** The organization whose API key created the token; null for the admin token or a sign-in link. */
  issued_by_org: string | null;
}

/** Durable work: written in the same transaction as the rows it acts on. */
export interface JobTable {
  id: string;
  kind: string;
  /** JSON. */
  payload: string;
  /** Epoch ms when it may run. */
  run_at: number;
  attempts: number;
  /** Lease end; a job whose lease passed is taken over. */
  locked_until: number | null;
  locked_by: string | null;
  last_error: string | null;
  created_at: number;
}

/** An alert rule of a project; conditions, filters and actions are JSON arrays. */
export interface RuleTable {
  id: string;
  org_id: string;
  project_id: string;
  name: string;
  environment: string | null;
  action_match: string;
  filter_match: string;
  /** Minutes between firings per issue. */
  frequency: number;
  conditions: string;
  filters: string;
  actions: string;
  created_at: number;
  updated_at: number;
}

/** A rule muted for one user or for everyone (`target` = '*'), until a time or forever (null). */
export interface RuleSnoozeTable {
  rule_id: string;
  target: string;
  until: number | null;
  created_by: string | null;
  created_at: number;
}

/**
 * A project's silence (Alertmanager's): while `starts_at <= now < ends_at`, events its matchers match
 * fire no alert rule. `matchers` is a JSON array of `{name, value, isRegex, isEqual}`; the id is a UUID.
 */
export interface SilenceTable {
  id: string;
  org_id: string;
  project_id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
  updated_at: number;
  /** Events it kept from the alert rules, and when it last did (added by each process's flushes). */
  muted_events: number;
  last_muted_at: number | null;
}

/**
 * An Alertmanager alert of a project (its label set's fingerprint) and the issue its firings are grouped
 * into: `ends_at` is when it ends unless sent again (null once it ended), `expired_at` when Herald last
 * resolved the issue because `ends_at` passed (a firing sent again after that reopens it).
 */
export interface AlertEndTable {
  project_id: string;
  fingerprint: string;
  issue_id: string;
  ends_at: number | null;
  expired_at: number | null;
  /** When the current firing began (its `startsAt`, or the arrival of its first sending without one). */
  started_at: number | null;
}

/**
 * A project's inhibit rule (Alertmanager's): while an unresolved issue's latest event matches
 * `source_matchers`, events matching `target_matchers` with the same values of the `equal` labels fire no
 * alert rule. Matchers are JSON arrays of `{name, value, isRegex, isEqual}`; `equal` a JSON array of names.
 */
export interface InhibitRuleTable {
  id: string;
  org_id: string;
  project_id: string;
  source_matchers: string;
  target_matchers: string;
  equal: string;
  comment: string;
  created_at: number;
  /** Events it kept from the alert rules, and when it last did (added by each process's flushes). */
  muted_events: number;
  last_muted_at: number | null;
}

/** When a rule last fired for an issue: the action interval's compare-and-set. */
export interface RuleFireStateTable {
  rule_id: string;
  issue_id: string;
  last_fired: number;
}

/** One firing of one notification type. */
export interface NotificationTable {
  id: string;
  org_id: string;
  project_id: string | null;
  type: string;
  issue_id: string | null;
  event_id: string | null;
  /** JSON array of rule ids. */
  rule_ids: string;
  /** JSON object: what the templates need. */
  payload: string;
  /** Fingerprint of the payload schema the payload was known valid against when written; null: unknown. */
  payload_schema: string | null;
  dedupe_key: string;
  created_at: number;
}

/** Which rules a notification names (for filtering the history by rule). */
export interface NotificationRuleTable {
  notification_id: string;
  rule_id: string;
}

/** One recipient × one channel of a notification, and what became of it. */
export interface DeliveryTable {
  id: string;
  notification_id: string;
  org_id: string;
  recipient_type: string;
  recipient_id: string;
  channel: string;
  integration_id: string | null;
  status: string;
  reason: string | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  provider_message_id: string | null;
  digest_id: string | null;
  fallback_of: string | null;
  /** JSON array of channels still to try when this one ends dead or unroutable, or null. */
  fallback_channels?: string | null;
  /** When a replay last made it pending again, epoch ms; null when it never was. */
  replayed_at?: number | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** A group of events with one fingerprint in one project. */
export interface IssueTable {
  id: string;
  org_id: string;
  project_id: string;
  /** Grouping hash, unique per project. */
  fingerprint: string;
  title: string;
  culprit: string;
  level: string;
  category: string;
  /** unresolved | resolved | ignored. */
  status: string;
  /** Ignored until this time (epoch ms); null: no time condition. */
  ignore_until: number | null;
  /** Ignored until this many more events; counted from `ignore_times_seen`. */
  ignore_count: number | null;
  ignore_times_seen: number | null;
  /** Ignored until this many more distinct users; counted from `ignore_users_seen`. */
  ignore_user_count: number | null;
  ignore_users_seen: number | null;
  resolved_at: number | null;
  first_seen: number;
  last_seen: number;
  times_seen: number;
  users_seen: number;
  /** user | team, or null when unassigned. */
  assignee_type: string | null;
  assignee_id: string | null;
  /** high | medium | low. */
  priority: string;
  /** Row id of the latest event. */
  last_event_id: string | null;
  updated_at: number;
}

/** One stored event; `event_id` is the sender's id, unique per project. */
export interface EventTable {
  id: string;
  project_id: string;
  issue_id: string;
  event_id: string;
  timestamp: number;
  received_at: number;
  environment: string | null;
  release: string | null;
  level: string;
  /** The payload as received (JSON), with its resolved event_id. */
  payload: string;
}

/** When an issue was first seen in an environment ('' for events without one). */
export interface IssueEnvironmentTable {
  issue_id: string;
  environment: string;
  first_seen: number;
}

/** The distinct users of an issue (hashed), for an exact users_seen. */
export interface IssueUserTable {
  issue_id: string;
  user_hash: string;
}

/** Events of an issue per minute ('m') or hour ('h') bucket; frequency conditions sum these. */
export interface IssueCountTable {
  issue_id: string;
  resolution: string;
  bucket_start: number;
  count: number;
}

/** The distinct users of an issue per minute or hour bucket. */
export interface IssueUserBucketTable {
  issue_id: string;
  resolution: string;
  bucket_start: number;
  user_hash: string;
}

/** An organization's Liquid override of one notification type on one channel. */
export interface TemplateTable {
  org_id: string;
  type: string;
  channel: string;
  /** JSON object: part name (`subject`, `html`, `blocks`, …) → Liquid source. */
  body: string;
  updated_at: number;
}

/** One send attempt of a delivery. */
export interface DeliveryAttemptTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  /** `sent`, `transient` or `permanent`. */
  outcome: string;
  code: string | null;
  message: string | null;
}

/** Small state channels keep between sends (the Slack thread of an issue). */
export interface ChannelStateTable {
  key: string;
  value: string;
  updated_at: number;
}

/** One message in a person's in-app inbox; one per in-app delivery. */
export interface InboxMessageTable {
  id: string;
  user_id: string;
  org_id: string | null;
  notification_id: string;
  delivery_id: string;
  type: string;
  title: string;
  body: string;
  url: string;
  read_at: number | null;
  archived_at: number | null;
  created_at: number;
}

/** A browser's web push subscription of one person. */
export interface PushSubscriptionTable {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  user_agent: string | null;
  created_at: number;
  last_used_at: number | null;
}

/** An open, click or action on a delivered message. */
export interface EngagementEventTable {
  id: string;
  delivery_id: string;
  /** `open`, `click` or `action`. */
  kind: string;
  /** The link of the message that was followed (clicks). */
  link_index: number | null;
  at: number;
}

/** A link of a tracked message: click redirects lead only to these. */
export interface DeliveryLinkTable {
  delivery_id: string;
  position: number;
  url: string;
}

/** A token bucket of one recipient on one channel; thousandths of a token as of `updated_at`. */
export interface ThrottleBucketTable {
  key: string;
  millitokens: number;
  updated_at: number;
}

/** A batch of held deliveries for one key (project × recipient × channel); one open per key. */
export interface DigestTable {
  id: string;
  org_id: string;
  project_id: string | null;
  key: string;
  recipient_type: string;
  recipient_id: string;
  channel: string;
  integration_id: string | null;
  /** open | sent | dropped. */
  status: string;
  opened_at: number;
  due_at: number;
  closed_at: number | null;
  /** The digest notification (or the single alert) sent when it closed. */
  notification_id: string | null;
  delivery_id: string | null;
  record_count: number;
}

/** A digest key's schedule: its open digest and when it last delivered. */
export interface DigestKeyTable {
  key: string;
  open_digest_id: string | null;
  last_delivered_at: number | null;
  updated_at: number;
}

/** Issues a digest key has already been told about (new issues may go out at once). */
export interface DigestSeenIssueTable {
  key: string;
  issue_id: string;
  created_at: number;
}

/** A one-time sign-in link sent by email; works once, until it expires. */
export interface SignInLinkTable {
  token_hash: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  created_at: number;
}
