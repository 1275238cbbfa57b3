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

  'release.subject': 'Versión {version} creada en {project}',
  'release.intro': 'Una nueva versión de {project} con {commits}',
  'release.commitsTitle': 'Commits',

  'deploy.subject': '{version} desplegada en {environment}',
  'deploy.intro': 'La versión {version} de {project} se desplegó en {environment}',

  'digest.subject': '{count, plural, one {# problema} other {# problemas}} en {project}',
  'digest.intro': '{issues} con {events} en {project}',
  'digest.issuesTitle': 'Problemas por eventos',
  'digest.issueDetail': '{events} · {users}',

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
