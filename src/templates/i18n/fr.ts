import type { Catalog } from './en.js';

/** French. Apostrophes are typographic (’) so ICU never reads them as quotes. */
export const fr: Catalog = {
  'level.fatal': 'Fatal',
  'level.error': 'Erreur',
  'level.warning': 'Avertissement',
  'level.info': 'Info',
  'level.debug': 'Débogage',
  'status.unresolved': 'Non résolu',
  'status.resolved': 'Résolu',
  'status.ignored': 'Ignoré',

  'field.project': 'Projet',
  'field.environment': 'Environnement',
  'field.level': 'Niveau',
  'field.release': 'Version',
  'field.status': 'Statut',
  'field.events': 'Événements',
  'field.users': 'Utilisateurs',
  'field.firstSeen': 'Vu pour la première fois',
  'field.lastSeen': 'Vu pour la dernière fois',
  'field.assignee': 'Responsable',
  'field.culprit': 'Origine',
  'field.platform': 'Plateforme',
  'field.provider': 'Fournisseur',
  'field.reason': 'Raison',
  'field.period': 'Période',
  'field.version': 'Version',

  'count.events': '{count, plural, one {# événement} other {# événements}}',
  'count.users': '{count, plural, =0 {aucun utilisateur} one {# utilisateur} other {# utilisateurs}}',
  'count.issues': '{count, plural, one {# problème} other {# problèmes}}',
  'count.otherNotifications': '{count, plural, one {# autre notification} other {# autres notifications}}',
  'count.commits': '{count, plural, =0 {aucun commit} one {# commit} other {# commits}}',
  'list.more': '… et {count, number} de plus',
  'common.none': 'aucun',
  'common.nobody': 'personne',
  'common.someone': 'Quelqu’un',
  'common.stackTrace': 'Pile d’appels',
  'common.tags': 'Tags',
  'common.range': '{start} – {end}',
  'frame.location': '{function} dans {file}:{line}',
  'frame.noLine': '{function} dans {file}',
  'frame.anonymous': '(anonyme)',

  'action.viewIssue': 'Voir le problème',
  'action.muteRule': 'Mettre cette règle en sourdine',
  'action.settings': 'Paramètres de notification',
  'action.unsubscribe': 'Se désabonner',
  'action.viewRelease': 'Voir la version',
  'action.viewRule': 'Voir la règle',
  'action.viewIntegrations': 'Vérifier les intégrations',
  'action.viewIssues': 'Voir les problèmes',
  'action.runbook': 'Runbook',
  'action.alertSource': 'Source de l’alerte',
  'action.resolve': 'Résoudre',
  'action.ignore': 'Ignorer',
  'action.assignToMe': 'Me l’assigner',

  'footer.rules':
    '{others, plural, =0 {Déclenché par {rule}} one {Déclenché par {rule} et # autre règle} other {Déclenché par {rule} et # autres règles}}',
  'footer.why': 'Vous recevez cet e-mail en raison de vos paramètres de notification dans {org}.',
  'footer.org': '{org} · Herald',

  'issueAlert.subject': '[{project}] {level} : {title}',
  'issueAlert.intro.error': 'Nouvelle alerte dans {project}',
  'issueAlert.intro.performance': 'Problème de performance dans {project}',

  'regression.subject': 'Régression dans {project} : {title}',
  'regression.intro': '{actor} a marqué ce problème comme une régression',
  'regression.introNoActor': 'Ce problème était résolu et s’est reproduit',

  'resolved.subject': 'Résolu dans {project} : {title}',
  'resolved.intro': '{actor} a marqué ce problème comme résolu',
  'resolved.introNoActor': 'Ce problème a été marqué comme résolu',

  'assigned.subject': 'Attribué à {assignee} : {title}',
  'assigned.intro': '{actor} a attribué ce problème à {assignee}',
  'assigned.introNoActor': 'Ce problème a été attribué à {assignee}',

  'chatAction.resolved': 'Résolu par {name}',
  'chatAction.ignored': 'Ignoré par {name}',
  'chatAction.assigned': 'Assigné à {name}',
  'chatAction.alreadyResolved': 'Ce problème est déjà résolu ; rien n’a été modifié.',
  'chatAction.alreadyIgnored': 'Ce problème est déjà ignoré ; rien n’a été modifié.',
  'chatAction.alreadyAssigned': 'Ce problème vous est déjà assigné ; rien n’a été modifié.',
  'chatAction.otherIssue': 'Ce message ne concerne pas ce problème ; rien n’a été modifié.',
  'chatAction.connectionDisabled': 'La connexion Slack de Herald est désactivée ; rien n’a été modifié.',
  'chatAction.connectionMisconfigured':
    'La connexion Slack de Herald est mal configurée ; rien n’a été modifié.',
  'chatAction.profileUnreadable':
    'Herald n’a pas pu lire votre profil Slack ({code}) ; rien n’a été modifié. L’application Slack a besoin des autorisations users:read et users:read.email.',
  'chatAction.profileNoEmail':
    'Votre profil Slack n’indique aucune adresse e-mail, Herald ne peut donc pas savoir qui vous êtes ; rien n’a été modifié.',
  'chatAction.notMember':
    'Aucun membre de l’organisation {org} dans Herald n’a l’adresse e-mail de votre compte Slack ({email}) ; rien n’a été modifié. Demandez à un propriétaire de vous ajouter.',
  'chatAction.notMemberOfThisOrg':
    'Aucun membre de cette organisation dans Herald n’a l’adresse e-mail de votre compte Slack ({email}) ; rien n’a été modifié. Demandez à un propriétaire de vous ajouter.',
  'chatAction.failed': 'Herald n’a pas pu modifier le problème : {reason}.',

  'release.subject': 'Version {version} créée dans {project}',
  'release.intro': 'Une nouvelle version de {project} avec {commits}',
  'release.commitsTitle': 'Commits',

  'deploy.subject': '{version} déployée sur {environment}',
  'deploy.intro': 'La version {version} de {project} a été déployée sur {environment}',

  'digest.subject': '{count, plural, one {# problème} other {# problèmes}} dans {project}',
  'digest.intro': '{issues} avec {events} dans {project}',
  'digest.issuesTitle': 'Problèmes par nombre d’événements',
  'digest.issueDetail': '{events} · {users}',
  'digest.othersSubject': '{count, plural, one {# notification} other {# notifications}} dans {project}',
  'digest.mixedSubject': '{issues} et {others} dans {project}',
  'digest.othersIntro': 'Retenues par la limite de notifications : {others} dans {project}',
  'digest.othersTitle': 'Autres notifications',

  'ruleSaved.created': 'Règle d’alerte créée',
  'ruleSaved.updated': 'Règle d’alerte modifiée',
  'ruleSaved.introCreated': '{actor} a créé la règle d’alerte « {rule} »',
  'ruleSaved.introUpdated': '{actor} a modifié la règle d’alerte « {rule} »',
  'ruleSaved.changesTitle': 'Modifications',
  'ruleSaved.noChanges': 'Aucune modification',

  'integrationDisabled.subject': 'L’intégration {name} a été désactivée',
  'integrationDisabled.intro':
    'Herald a désactivé l’intégration {provider} « {name} » : aucun message ne passera par elle tant qu’elle ne sera pas réparée.',
  'signIn.subject': 'Votre lien de connexion à Herald',
  'signIn.greeting': 'Bonjour {name},',
  'signIn.action': 'Se connecter à Herald',
  'signIn.validity': 'Le lien fonctionne une fois, pendant 15 minutes.',
  'signIn.ignore': 'Si vous ne l’avez pas demandé, ignorez cet e-mail.',
};
