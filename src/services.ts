import type { ApiKeys } from './tenancy/api-keys.js';
import type { Integrations } from './tenancy/integrations.js';
import type { Members } from './tenancy/members.js';
import type { Organizations } from './tenancy/organizations.js';
import type { Projects } from './tenancy/projects.js';
import type { Teams } from './tenancy/teams.js';

/** The services the API calls, built by the composition root (`engine.ts`). */
export interface Services {
  readonly organizations: Organizations;
  readonly members: Members;
  readonly teams: Teams;
  readonly projects: Projects;
  readonly integrations: Integrations;
  readonly apiKeys: ApiKeys;
}
