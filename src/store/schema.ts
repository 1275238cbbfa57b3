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
