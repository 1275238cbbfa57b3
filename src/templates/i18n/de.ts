import type { Catalog } from './en.js';

/** German. */
export const de: Catalog = {
  'level.fatal': 'Fatal',
  'level.error': 'Fehler',
  'level.warning': 'Warnung',
  'level.info': 'Info',
  'level.debug': 'Debug',
  'status.unresolved': 'Ungelöst',
  'status.resolved': 'Gelöst',
  'status.ignored': 'Ignoriert',

  'field.project': 'Projekt',
  'field.environment': 'Umgebung',
  'field.level': 'Stufe',
  'field.release': 'Release',
  'field.status': 'Status',
  'field.events': 'Ereignisse',
  'field.users': 'Benutzer',
  'field.firstSeen': 'Zuerst gesehen',
  'field.lastSeen': 'Zuletzt gesehen',
  'field.assignee': 'Zuständig',
  'field.culprit': 'Verursacher',
  'field.platform': 'Plattform',
  'field.provider': 'Anbieter',
  'field.reason': 'Grund',
  'field.period': 'Zeitraum',
  'field.version': 'Version',

  'count.events': '{count, plural, one {# Ereignis} other {# Ereignisse}}',
  'count.users': '{count, plural, =0 {keine Benutzer} one {# Benutzer} other {# Benutzer}}',
  'count.issues': '{count, plural, one {# Problem} other {# Probleme}}',
  'count.otherNotifications':
    '{count, plural, one {# weitere Benachrichtigung} other {# weitere Benachrichtigungen}}',
  'count.commits': '{count, plural, =0 {keine Commits} one {# Commit} other {# Commits}}',
  'list.more': '… und {count, number} weitere',
  'common.none': 'keine',
  'common.nobody': 'niemand',
  'common.someone': 'Jemand',
  'common.stackTrace': 'Stacktrace',
  'common.tags': 'Tags',
  'common.range': '{start} – {end}',
  'frame.location': '{function} in {file}:{line}',
  'frame.noLine': '{function} in {file}',
  'frame.anonymous': '(anonym)',

  'action.viewIssue': 'Problem ansehen',
  'action.muteRule': 'Diese Regel stummschalten',
  'action.settings': 'Benachrichtigungseinstellungen',
  'action.unsubscribe': 'Abbestellen',
  'action.viewRelease': 'Release ansehen',
  'action.viewRule': 'Regel ansehen',
  'action.viewIntegrations': 'Integrationen prüfen',
  'action.viewIssues': 'Probleme ansehen',
  'action.runbook': 'Runbook',
  'action.alertSource': 'Alarmquelle',
  'action.resolve': 'Als gelöst markieren',
  'action.ignore': 'Ignorieren',
  'action.assignToMe': 'Mir zuweisen',

  'footer.rules':
    '{others, plural, =0 {Ausgelöst durch {rule}} one {Ausgelöst durch {rule} und # weitere Regel} other {Ausgelöst durch {rule} und # weitere Regeln}}',
  'footer.why': 'Sie erhalten diese E-Mail aufgrund Ihrer Benachrichtigungseinstellungen in {org}.',
  'footer.org': '{org} · Herald',

  'issueAlert.subject': '[{project}] {level}: {title}',
  'issueAlert.intro.error': 'Neuer Alarm in {project}',
  'issueAlert.intro.performance': 'Performance-Problem in {project}',

  'regression.subject': 'Regression in {project}: {title}',
  'regression.intro': '{actor} hat dieses Problem als Regression markiert',
  'regression.introNoActor': 'Dieses Problem war gelöst und ist erneut aufgetreten',

  'resolved.subject': 'Gelöst in {project}: {title}',
  'resolved.intro': '{actor} hat dieses Problem als gelöst markiert',
  'resolved.introNoActor': 'Dieses Problem wurde als gelöst markiert',

  'assigned.subject': '{assignee} zugewiesen: {title}',
  'assigned.intro': '{actor} hat dieses Problem {assignee} zugewiesen',
  'assigned.introNoActor': 'Dieses Problem wurde {assignee} zugewiesen',

  'chatAction.resolved': 'Gelöst von {name}',
  'chatAction.ignored': 'Ignoriert von {name}',
  'chatAction.assigned': 'Zugewiesen an {name}',
  'chatAction.alreadyResolved': 'Dieses Problem ist bereits gelöst; es wurde nichts geändert.',
  'chatAction.alreadyIgnored': 'Dieses Problem wird bereits ignoriert; es wurde nichts geändert.',
  'chatAction.alreadyAssigned': 'Dieses Problem ist Ihnen bereits zugewiesen; es wurde nichts geändert.',
  'chatAction.otherIssue': 'Diese Nachricht betrifft nicht dieses Problem; es wurde nichts geändert.',
  'chatAction.connectionDisabled':
    'Die Slack-Verbindung von Herald ist deaktiviert; es wurde nichts geändert.',
  'chatAction.connectionMisconfigured':
    'Die Slack-Verbindung von Herald ist falsch konfiguriert; es wurde nichts geändert.',
  'chatAction.profileUnreadable':
    'Herald konnte Ihr Slack-Profil nicht lesen ({code}); es wurde nichts geändert. Die Slack-App benötigt die Berechtigungen users:read und users:read.email.',
  'chatAction.profileNoEmail':
    'Ihr Slack-Profil enthält keine E-Mail-Adresse, daher kann Herald Sie nicht zuordnen; es wurde nichts geändert.',
  'chatAction.notMember':
    'Kein Mitglied von {org} in Herald hat die E-Mail-Adresse Ihres Slack-Kontos ({email}); es wurde nichts geändert. Bitten Sie einen Inhaber, Sie hinzuzufügen.',
  'chatAction.notMemberOfThisOrg':
    'Kein Mitglied dieser Organisation in Herald hat die E-Mail-Adresse Ihres Slack-Kontos ({email}); es wurde nichts geändert. Bitten Sie einen Inhaber, Sie hinzuzufügen.',
  'chatAction.failed': 'Herald konnte das Problem nicht ändern: {reason}.',

  'release.subject': 'Release {version} in {project} erstellt',
  'release.intro': 'Ein neues Release von {project} mit {commits}',
  'release.commitsTitle': 'Commits',

  'deploy.subject': '{version} nach {environment} ausgeliefert',
  'deploy.intro': 'Release {version} von {project} wurde nach {environment} ausgeliefert',

  'digest.subject': '{count, plural, one {# Problem} other {# Probleme}} in {project}',
  'digest.intro': '{issues} mit {events} in {project}',
  'digest.issuesTitle': 'Probleme nach Ereignissen',
  'digest.issueDetail': '{events} · {users}',
  'digest.othersSubject':
    '{count, plural, one {# Benachrichtigung} other {# Benachrichtigungen}} in {project}',
  'digest.mixedSubject': '{issues} und {others} in {project}',
  'digest.othersIntro': 'Wegen des Benachrichtigungslimits zurückgehalten: {others} in {project}',
  'digest.othersTitle': 'Weitere Benachrichtigungen',

  'ruleSaved.created': 'Alarmregel erstellt',
  'ruleSaved.updated': 'Alarmregel geändert',
  'ruleSaved.introCreated': '{actor} hat die Alarmregel „{rule}“ erstellt',
  'ruleSaved.introUpdated': '{actor} hat die Alarmregel „{rule}“ geändert',
  'ruleSaved.changesTitle': 'Änderungen',
  'ruleSaved.noChanges': 'Keine Änderungen',

  'integrationDisabled.subject': 'Integration {name} wurde deaktiviert',
  'integrationDisabled.intro':
    'Herald hat die {provider}-Integration „{name}“ deaktiviert: Nachrichten darüber werden erst wieder gesendet, wenn sie repariert ist.',
  'signIn.subject': 'Ihr Anmeldelink für Herald',
  'signIn.greeting': 'Hallo {name},',
  'signIn.action': 'Bei Herald anmelden',
  'signIn.validity': 'Der Link funktioniert einmal, 15 Minuten lang.',
  'signIn.ignore': 'Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese E-Mail.',
};
