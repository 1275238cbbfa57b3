import type { Catalog } from './en.js';

/** Japanese. */
export const ja: Catalog = {
  'level.fatal': '致命的',
  'level.error': 'エラー',
  'level.warning': '警告',
  'level.info': '情報',
  'level.debug': 'デバッグ',
  'status.unresolved': '未解決',
  'status.resolved': '解決済み',
  'status.ignored': '無視',

  'field.project': 'プロジェクト',
  'field.environment': '環境',
  'field.level': 'レベル',
  'field.release': 'リリース',
  'field.status': 'ステータス',
  'field.events': 'イベント',
  'field.users': 'ユーザー',
  'field.firstSeen': '初回検出',
  'field.lastSeen': '最終検出',
  'field.assignee': '担当者',
  'field.culprit': '発生箇所',
  'field.platform': 'プラットフォーム',
  'field.provider': 'プロバイダー',
  'field.reason': '理由',
  'field.period': '期間',
  'field.version': 'バージョン',

  'count.events': '{count, plural, other {#件のイベント}}',
  'count.users': '{count, plural, =0 {ユーザーなし} other {#人のユーザー}}',
  'count.issues': '{count, plural, other {#件の問題}}',
  'count.otherNotifications': '{count, plural, other {ほか#件の通知}}',
  'count.commits': '{count, plural, =0 {コミットなし} other {#件のコミット}}',
  'list.more': '… ほか{count, number}件',
  'common.none': 'なし',
  'common.nobody': 'なし',
  'common.someone': '誰か',
  'common.stackTrace': 'スタックトレース',
  'common.tags': 'タグ',
  'common.range': '{start}～{end}',
  'frame.location': '{file}:{line} の {function}',
  'frame.noLine': '{file} の {function}',
  'frame.anonymous': '(匿名)',

  'action.viewIssue': '問題を表示',
  'action.muteRule': 'このルールをミュート',
  'action.settings': '通知設定',
  'action.unsubscribe': '配信停止',
  'action.viewRelease': 'リリースを表示',
  'action.viewRule': 'ルールを表示',
  'action.viewIntegrations': '連携を確認',
  'action.viewIssues': '問題を表示',
  'action.runbook': 'ランブック',
  'action.alertSource': 'アラートの発生元',
  'action.resolve': '解決',
  'action.ignore': '無視',
  'action.assignToMe': '自分に割り当て',

  'footer.rules':
    '{others, plural, =0 {ルール「{rule}」により通知} other {ルール「{rule}」ほか#件により通知}}',
  'footer.why': '{org} の通知設定に基づいてこのメールをお送りしています。',
  'footer.org': '{org} · Herald',

  'issueAlert.subject': '[{project}] {level}: {title}',
  'issueAlert.intro.error': '{project} で新しいアラート',
  'issueAlert.intro.performance': '{project} でパフォーマンスの問題',

  'regression.subject': '{project} で再発: {title}',
  'regression.intro': '{actor} がこの問題を再発としてマークしました',
  'regression.introNoActor': '解決済みの問題が再発しました',

  'resolved.subject': '{project} で解決: {title}',
  'resolved.intro': '{actor} がこの問題を解決済みにしました',
  'resolved.introNoActor': 'この問題は解決済みになりました',

  'assigned.subject': '{assignee} に割り当て: {title}',
  'assigned.intro': '{actor} がこの問題を {assignee} に割り当てました',
  'assigned.introNoActor': 'この問題は {assignee} に割り当てられました',

  'chatAction.resolved': '{name} が解決しました',
  'chatAction.ignored': '{name} が無視しました',
  'chatAction.assigned': '{name} に割り当てました',
  'chatAction.alreadyResolved': 'この問題はすでに解決済みです。何も変更されていません。',
  'chatAction.alreadyIgnored': 'この問題はすでに無視されています。何も変更されていません。',
  'chatAction.alreadyAssigned': 'この問題はすでにあなたに割り当てられています。何も変更されていません。',
  'chatAction.otherIssue': 'このメッセージはその問題に関するものではありません。何も変更されていません。',
  'chatAction.connectionDisabled': 'Herald の Slack 連携は無効になっています。何も変更されていません。',
  'chatAction.connectionMisconfigured':
    'Herald の Slack 連携の設定に誤りがあります。何も変更されていません。',
  'chatAction.profileUnreadable':
    'Herald はあなたの Slack プロフィールを読み取れませんでした（{code}）。何も変更されていません。Slack アプリには users:read と users:read.email のスコープが必要です。',
  'chatAction.profileNoEmail':
    'Slack プロフィールにメールアドレスがないため、Herald はあなたを特定できません。何も変更されていません。',
  'chatAction.notMember':
    'Herald の {org} には、あなたの Slack アカウントのメールアドレス（{email}）を持つメンバーがいません。何も変更されていません。オーナーに追加を依頼してください。',
  'chatAction.notMemberOfThisOrg':
    'Herald のこの組織には、あなたの Slack アカウントのメールアドレス（{email}）を持つメンバーがいません。何も変更されていません。オーナーに追加を依頼してください。',
  'chatAction.failed': 'Herald は問題を変更できませんでした: {reason}',

  'release.subject': '{project} でリリース {version} を作成',
  'release.intro': '{project} の新しいリリース({commits})',
  'release.commitsTitle': 'コミット',

  'deploy.subject': '{version} を {environment} にデプロイ',
  'deploy.intro': '{project} のリリース {version} が {environment} にデプロイされました',

  'digest.subject': '{project} で{count, plural, other {#件の問題}}',
  'digest.intro': '{project} で{issues}、{events}',
  'digest.issuesTitle': 'イベント数順の問題',
  'digest.issueDetail': '{events} · {users}',
  'digest.othersSubject': '{project} で{count, plural, other {#件の通知}}',
  'digest.mixedSubject': '{project} で{issues}と{others}',
  'digest.othersIntro': '通知の上限により保留: {project} で{others}',
  'digest.othersTitle': 'その他の通知',

  'ruleSaved.created': 'アラートルールを作成しました',
  'ruleSaved.updated': 'アラートルールを更新しました',
  'ruleSaved.introCreated': '{actor} がアラートルール「{rule}」を作成しました',
  'ruleSaved.introUpdated': '{actor} がアラートルール「{rule}」を更新しました',
  'ruleSaved.changesTitle': '変更点',
  'ruleSaved.noChanges': '変更なし',

  'integrationDisabled.subject': '連携 {name} が無効になりました',
  'integrationDisabled.intro':
    'Herald は {provider} 連携「{name}」を無効にしました。修正されるまで、この連携を通じたメッセージは送信されません。',
  'signIn.subject': 'Herald のサインインリンク',
  'signIn.greeting': '{name} さん',
  'signIn.action': 'Herald にサインイン',
  'signIn.validity': 'このリンクは 15 分間、1 回だけ使えます。',
  'signIn.ignore': '心当たりがない場合は、このメールを無視してください。',
};
