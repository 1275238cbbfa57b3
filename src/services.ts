import type { AnalyticsServices } from './analytics/analytics-services.js';
import type { SlackInteractions } from './delivery/channels/slack/slack-interactions.js';
import type { DeadLetters } from './delivery/dead-letters.js';
import type { TestSender } from './delivery/test-send.js';
import type { AlertEnds } from './events/alert-ends.js';
import type { EventProjects } from './events/event-projects.js';
import type { IngestService } from './events/ingest.js';
import type { IssuesService } from './events/issues.js';
import type { InboxServices } from './inbox/inbox-services.js';
import type { NotificationHistory } from './notifications/history.js';
import type { PeopleServices } from './people/people-services.js';
import type { SignInLinks } from './people/sign-in-links.js';
import type { InhibitRules } from './rules/inhibit-rules.js';
import type { RulePreviewService } from './rules/rule-preview.js';
import type { RuleSnoozes } from './rules/rule-snoozes.js';
import type { RuleStore } from './rules/rule-store.js';
import type { Silences } from './rules/silences.js';
import type { TemplateService } from './templates/template-service.js';
import type { ApiKeys } from './tenancy/api-keys.js';
import type { Integrations } from './tenancy/integrations.js';
import type { Members } from './tenancy/members.js';
import type { Organizations } from './tenancy/organizations.js';
import type { Projects } from './tenancy/projects.js';
import type { Teams } from './tenancy/teams.js';
import type { ThrottleSettings } from './throttle/throttle-settings.js';

/** The services the API calls, built by the composition root (`engine.ts`). */
export interface Services extends PeopleServices, InboxServices {
  readonly organizations: Organizations;
  readonly members: Members;
  readonly teams: Teams;
  readonly projects: Projects;
  readonly integrations: Integrations;
  /** Throttle limits and digest options: the one instance the pipeline reads them through. */
  readonly throttle: ThrottleSettings;
  readonly apiKeys: ApiKeys;
  readonly history: NotificationHistory;
  /** Metrics, engagement tracking, delivery analytics and retention. */
  readonly analytics: AnalyticsServices;
  readonly deadLetters: DeadLetters;
  readonly ingest: IngestService;
  readonly eventProjects: EventProjects;
  readonly issues: IssuesService;
  readonly alertEnds: AlertEnds;
  readonly rules: RuleStore;
  readonly ruleSnoozes: RuleSnoozes;
  readonly rulePreview: RulePreviewService;
  /** Silences: matchers over event tags that keep the events they match from firing alert rules. */
  readonly silences: Silences;
  /** Inhibit rules: while a source fires, the events matching their target fire no alert rule. */
  readonly inhibitRules: InhibitRules;
  readonly templates: TemplateService;
  /** Test sends through an integration (`POST …/integrations/{id}/test`). */
  readonly integrationTests: TestSender;
  /** One-time sign-in links by email. */
  readonly signInLinks: SignInLinks;
  /** Buttons pressed in Slack messages (Resolve, Ignore, Assign to me), verified by Slack's signature. */
  readonly slackInteractions: SlackInteractions;
}
