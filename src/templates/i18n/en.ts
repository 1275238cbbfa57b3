/**
 * The English catalog: the source of every message key. ICU message syntax; a literal apostrophe is
 * written as a typographic ’ so it never opens an ICU quote.
 */
export const en = {
  'level.fatal': 'Fatal',
  'level.error': 'Error',
  'level.warning': 'Warning',
  'level.info': 'Info',
  'level.debug': 'Debug',
  'status.unresolved': 'Unresolved',
  'status.resolved': 'Resolved',
  'status.ignored': 'Ignored',

  'field.project': 'Project',
  'field.environment': 'Environment',
  'field.level': 'Level',
  'field.release': 'Release',
  'field.status': 'Status',
  'field.events': 'Events',
  'field.users': 'Users',
  'field.firstSeen': 'First seen',
  'field.lastSeen': 'Last seen',
  'field.assignee': 'Assignee',
  'field.culprit': 'Culprit',
  'field.platform': 'Platform',
  'field.provider': 'Provider',
  'field.reason': 'Reason',
  'field.period': 'Period',
  'field.version': 'Version',

  'count.events': '{count, plural, one {# event} other {# events}}',
  'count.users': '{count, plural, =0 {no users} one {# user} other {# users}}',
  'count.issues': '{count, plural, one {# issue} other {# issues}}',
  'count.otherNotifications': '{count, plural, one {# other notification} other {# other notifications}}',
  'count.commits': '{count, plural, =0 {no commits} one {# commit} other {# commits}}',
  'list.more': '… and {count, number} more',
  'common.none': 'none',
  'common.nobody': 'nobody',
  'common.someone': 'Someone',
  'common.stackTrace': 'Stack trace',
  'common.tags': 'Tags',
  'common.range': '{start} – {end}',
  'frame.location': '{function} in {file}:{line}',
  'frame.noLine': '{function} in {file}',
  'frame.anonymous': '(anonymous)',

  'action.viewIssue': 'View issue',
  'action.muteRule': 'Mute this rule',
  'action.settings': 'Notification settings',
  'action.unsubscribe': 'Unsubscribe',
  'action.viewRelease': 'View release',
  'action.viewRule': 'View rule',
  'action.viewIntegrations': 'Review integrations',
  'action.viewIssues': 'View issues',
  'action.runbook': 'Runbook',
  'action.alertSource': 'Alert source',
  'action.resolve': 'Resolve',
  'action.ignore': 'Ignore',
  'action.assignToMe': 'Assign to me',

  'footer.rules':
    '{others, plural, =0 {Triggered by {rule}} one {Triggered by {rule} and # other rule} other {Triggered by {rule} and # other rules}}',
  'footer.why': 'You receive this email because of your notification settings in {org}.',
  'footer.org': '{org} · Herald',

  'issueAlert.subject': '[{project}] {level}: {title}',
  'issueAlert.intro.error': 'New alert in {project}',
  'issueAlert.intro.performance': 'Performance issue in {project}',

  'regression.subject': 'Regression in {project}: {title}',
  'regression.intro': '{actor} marked this issue as a regression',
  'regression.introNoActor': 'This issue was resolved and has happened again',

  'resolved.subject': 'Resolved in {project}: {title}',
  'resolved.intro': '{actor} marked this issue as resolved',
  'resolved.introNoActor': 'This issue was marked as resolved',

  'assigned.subject': 'Assigned to {assignee}: {title}',
  'assigned.intro': '{actor} assigned this issue to {assignee}',
  'assigned.introNoActor': 'This issue was assigned to {assignee}',

  'chatAction.resolved': 'Resolved by {name}',
  'chatAction.ignored': 'Ignored by {name}',
  'chatAction.assigned': 'Assigned to {name}',
  'chatAction.alreadyResolved': 'This issue is already resolved; nothing was changed.',
  'chatAction.alreadyIgnored': 'This issue is already ignored; nothing was changed.',
  'chatAction.alreadyAssigned': 'This issue is already assigned to you; nothing was changed.',
  'chatAction.otherIssue': 'This message is not about that issue; nothing was changed.',
  'chatAction.connectionDisabled': 'Herald’s Slack connection is disabled; nothing was changed.',
  'chatAction.connectionMisconfigured': 'Herald’s Slack connection is misconfigured; nothing was changed.',
  'chatAction.profileUnreadable':
    'Herald could not read your Slack profile ({code}); nothing was changed. The Slack app needs the users:read and users:read.email scopes.',
  'chatAction.profileNoEmail':
    'Your Slack profile shows no email address, so Herald cannot tell who you are; nothing was changed.',
  'chatAction.notMember':
    'No member of {org} in Herald has the email address of your Slack account ({email}); nothing was changed. Ask an owner to add you.',
  'chatAction.notMemberOfThisOrg':
    'No member of this organization in Herald has the email address of your Slack account ({email}); nothing was changed. Ask an owner to add you.',
  'chatAction.failed': 'Herald could not change the issue: {reason}.',

  'release.subject': 'Release {version} created in {project}',
  'release.intro': 'A new release of {project} with {commits}',
  'release.commitsTitle': 'Commits',

  'deploy.subject': 'Deployed {version} to {environment}',
  'deploy.intro': 'Release {version} of {project} was deployed to {environment}',

  'digest.subject': '{count, plural, one {# issue} other {# issues}} in {project}',
  'digest.intro': '{issues} with {events} in {project}',
  'digest.issuesTitle': 'Issues by events',
  'digest.issueDetail': '{events} · {users}',
  'digest.othersSubject': '{count, plural, one {# notification} other {# notifications}} in {project}',
  'digest.mixedSubject': '{issues} and {others} in {project}',
  'digest.othersIntro': 'Held back by the notification limit: {others} in {project}',
  'digest.othersTitle': 'Other notifications',

  'ruleSaved.created': 'Alert rule created',
  'ruleSaved.updated': 'Alert rule updated',
  'ruleSaved.introCreated': '{actor} created the alert rule “{rule}”',
  'ruleSaved.introUpdated': '{actor} updated the alert rule “{rule}”',
  'ruleSaved.changesTitle': 'Changes',
  'ruleSaved.noChanges': 'No changes',

  'integrationDisabled.subject': 'Integration {name} was disabled',
  'integrationDisabled.intro':
    'Herald disabled the {provider} integration “{name}”: messages through it are no longer sent until it is fixed.',
  'signIn.subject': 'Your Herald sign-in link',
  'signIn.greeting': 'Hello {name},',
  'signIn.action': 'Sign in to Herald',
  'signIn.validity': 'The link works once, for 15 minutes.',
  'signIn.ignore': 'If you did not ask for it, ignore this email.',
} as const;

/** A key of the message catalogs. */
export type MessageKey = keyof typeof en;

/** A translated catalog; keys missing here fall back to English at runtime, and fail the catalog check. */
export type Catalog = Readonly<Partial<Record<MessageKey, string>>>;
