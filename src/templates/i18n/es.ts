import type { Catalog } from './en.js';

/** Spanish. */
export const es: Catalog = {
  'level.fatal': 'Fatal',
  'level.error': 'Error',
  'level.warning': 'Advertencia',
  'level.info': 'Información',
  'level.debug': 'Depuración',
  'status.unresolved': 'Sin resolver',
  'status.resolved': 'Resuelto',
  'status.ignored': 'Ignorado',

  'field.project': 'Proyecto',
  'field.environment': 'Entorno',
  'field.level': 'Nivel',
  'field.release': 'Versión',
  'field.status': 'Estado',
  'field.events': 'Eventos',
  'field.users': 'Usuarios',
  'field.firstSeen': 'Visto por primera vez',
  'field.lastSeen': 'Visto por última vez',
  'field.assignee': 'Responsable',
  'field.culprit': 'Origen',
  'field.platform': 'Plataforma',
  'field.provider': 'Proveedor',
  'field.reason': 'Motivo',
  'field.period': 'Periodo',
  'field.version': 'Versión',

  'count.events': '{count, plural, one {# evento} other {# eventos}}',
  'count.users': '{count, plural, =0 {ningún usuario} one {# usuario} other {# usuarios}}',
  'count.issues': '{count, plural, one {# problema} other {# problemas}}',
  'count.otherNotifications': '{count, plural, one {# notificación más} other {# notificaciones más}}',
  'count.commits': '{count, plural, =0 {ningún commit} one {# commit} other {# commits}}',
  'list.more': '… y {count, number} más',
  'common.none': 'ninguno',
  'common.nobody': 'nadie',
  'common.someone': 'Alguien',
  'common.stackTrace': 'Traza de la pila',
  'common.tags': 'Etiquetas',
  'common.range': '{start} – {end}',
  'frame.location': '{function} en {file}:{line}',
  'frame.noLine': '{function} en {file}',
  'frame.anonymous': '(anónima)',

  'action.viewIssue': 'Ver problema',
  'action.muteRule': 'Silenciar esta regla',
  'action.settings': 'Ajustes de notificaciones',
  'action.unsubscribe': 'Cancelar suscripción',
  'action.viewRelease': 'Ver versión',
  'action.viewRule': 'Ver regla',
  'action.viewIntegrations': 'Revisar integraciones',
  'action.viewIssues': 'Ver problemas',
  'action.runbook': 'Runbook',
  'action.alertSource': 'Origen de la alerta',
  'action.resolve': 'Resolver',
  'action.ignore': 'Ignorar',
  'action.assignToMe': 'Asignármelo',

  'footer.rules':
    '{others, plural, =0 {Activado por {rule}} one {Activado por {rule} y # regla más} other {Activado por {rule} y # reglas más}}',
  'footer.why': 'Recibes este correo por tus ajustes de notificaciones en {org}.',
  'footer.org': '{org} · Herald',

  'issueAlert.subject': '[{project}] {level}: {title}',
  'issueAlert.intro.error': 'Nueva alerta en {project}',
  'issueAlert.intro.performance': 'Problema de rendimiento en {project}',

  'regression.subject': 'Regresión en {project}: {title}',
  'regression.intro': '{actor} marcó este problema como regresión',
  'regression.introNoActor': 'Este problema estaba resuelto y ha vuelto a ocurrir',

  'resolved.subject': 'Resuelto en {project}: {title}',
  'resolved.intro': '{actor} marcó este problema como resuelto',
  'resolved.introNoActor': 'Este problema se marcó como resuelto',

  'assigned.subject': 'Asignado a {assignee}: {title}',
  'assigned.intro': '{actor} asignó este problema a {assignee}',
  'assigned.introNoActor': 'Este problema se asignó a {assignee}',

  'chatAction.resolved': 'Resuelto por {name}',
  'chatAction.ignored': 'Ignorado por {name}',
  'chatAction.assigned': 'Asignado a {name}',
  'chatAction.alreadyResolved': 'Este problema ya está resuelto; no se ha cambiado nada.',
  'chatAction.alreadyIgnored': 'Este problema ya está ignorado; no se ha cambiado nada.',
  'chatAction.alreadyAssigned': 'Este problema ya está asignado a ti; no se ha cambiado nada.',
  'chatAction.otherIssue': 'Este mensaje no trata de ese problema; no se ha cambiado nada.',
  'chatAction.connectionDisabled':
    'La conexión de Herald con Slack está desactivada; no se ha cambiado nada.',
  'chatAction.connectionMisconfigured':
    'La conexión de Herald con Slack está mal configurada; no se ha cambiado nada.',
  'chatAction.profileUnreadable':
    'Herald no pudo leer tu perfil de Slack ({code}); no se ha cambiado nada. La aplicación de Slack necesita los permisos users:read y users:read.email.',
  'chatAction.profileNoEmail':
    'Tu perfil de Slack no muestra ninguna dirección de correo, así que Herald no puede saber quién eres; no se ha cambiado nada.',
  'chatAction.notMember':
    'Ningún miembro de {org} en Herald tiene la dirección de correo de tu cuenta de Slack ({email}); no se ha cambiado nada. Pide a un propietario que te añada.',
  'chatAction.notMemberOfThisOrg':
    'Ningún miembro de esta organización en Herald tiene la dirección de correo de tu cuenta de Slack ({email}); no se ha cambiado nada. Pide a un propietario que te añada.',
  'chatAction.failed': 'Herald no pudo cambiar el problema: {reason}.',

  'release.subject': 'Versión {version} creada en {project}',
  'release.intro': 'Una nueva versión de {project} con {commits}',
  'release.commitsTitle': 'Commits',

  'deploy.subject': '{version} desplegada en {environment}',
  'deploy.intro': 'La versión {version} de {project} se desplegó en {environment}',

  'digest.subject': '{count, plural, one {# problema} other {# problemas}} en {project}',
  'digest.intro': '{issues} con {events} en {project}',
  'digest.issuesTitle': 'Problemas por eventos',
  'digest.issueDetail': '{events} · {users}',
  'digest.othersSubject': '{count, plural, one {# notificación} other {# notificaciones}} en {project}',
  'digest.mixedSubject': '{issues} y {others} en {project}',
  'digest.othersIntro': 'Retenidas por el límite de notificaciones: {others} en {project}',
  'digest.othersTitle': 'Otras notificaciones',

  'ruleSaved.created': 'Regla de alerta creada',
  'ruleSaved.updated': 'Regla de alerta actualizada',
  'ruleSaved.introCreated': '{actor} creó la regla de alerta «{rule}»',
  'ruleSaved.introUpdated': '{actor} actualizó la regla de alerta «{rule}»',
  'ruleSaved.changesTitle': 'Cambios',
  'ruleSaved.noChanges': 'Sin cambios',

  'integrationDisabled.subject': 'La integración {name} se desactivó',
  'integrationDisabled.intro':
    'Herald desactivó la integración de {provider} «{name}»: no se enviarán mensajes a través de ella hasta que se repare.',
  'signIn.subject': 'Tu enlace de acceso a Herald',
  'signIn.greeting': 'Hola, {name}:',
  'signIn.action': 'Iniciar sesión en Herald',
  'signIn.validity': 'El enlace funciona una vez, durante 15 minutos.',
  'signIn.ignore': 'Si no lo has pedido, ignora este correo.',
};
