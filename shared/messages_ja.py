"""The Japanese catalogue of every error message: each English template as the code raises it
(the f-string's text, `{placeholder}`s and doubled literal braces as written) → its Japanese.

Pure data, read by shared.language only for a Japanese answer. To add or change a message, edit
it where it is raised and add or change its line here; tests/test_messages_ja.py fails until
each message the code can raise has its line, no line is left unused, and each Japanese line
keeps the placeholders of its English one (it may drop only a plural ending such as
`{'s' if minutes > 1 else ''}`).
"""

# The placeholders that quote text of ours (a phrase a caller passes, an exception's words): their
# text is translated too. Any other placeholder holds a value (an id, a number, a name) kept as it is.
QUOTING = frozenset({"action", "done", "message", "refusal", "refused", "unreadable", "what", "whose", "_SAVE_AS",
                     "reason", "failed", "why", "noun", "_CHECK_SETTINGS", "server"})

# Text of ours a message quotes that reads the same in Japanese: names of encodings and units.
AS_IS = frozenset({
    "Shift_JIS (cp932)", "UTF-16", "UTF-8", "__extra__", "{{{{{name}}}}}",
    "{max_bytes // (1024 * 1024)} MB", "{type(error).__name__}: {error}", "{max_bytes // 1024} KB",
    "IMAP",
})

JAPANESE = {
    # --- whole-request errors (the error's own message) -----------------------------------------
    "Some fields are invalid; see details.": "入力内容に誤りがあります。details を確認してください。",
    "The request body must be a JSON object.": "リクエスト本文は JSON オブジェクトで送信してください。",
    "The request needs a JSON body.": "リクエスト本文に JSON を指定してください。",
    "The request body {unreadable}.": "リクエスト本文を読み取れません: {unreadable}。",
    "The request body is larger than {size}.": "リクエスト本文が大きすぎます。{size} 以下にしてください。",
    "The query string is not valid UTF-8 text.": "クエリ文字列が正しい UTF-8 テキストではありません。",
    "No endpoint answers {http.get('method', '')} {event.get('rawPath', '')}; see /openapi.json.":
        "{http.get('method', '')} {event.get('rawPath', '')} に対応する API はありません。"
        "/openapi.json をご確認ください。",
    "Sign in again: the token carries no valid tenant or user.":
        "再度サインインしてください。トークンに有効なワークスペースまたはユーザーが含まれていません。",
    "Sign in again: the token carries no known role.":
        "再度サインインしてください。トークンに有効なロールが含まれていません。",
    "Something went wrong on our side; retry, then contact support.":
        "システム側でエラーが発生しました。もう一度お試しいただき、解決しない場合はサポートにお問い合わせください。",
    "The store is busy right now; retry in a moment.": "ただいま混み合っています。しばらくしてから再度お試しください。",
    "The contact store is busy; retry in a moment.": "ただいま混み合っています。しばらくしてから再度お試しください。",
    "The cursor is not valid for this query; start again without a cursor.":
        "このカーソルはこの検索条件では使用できません。カーソルを指定せずに最初から取得し直してください。",
    "The filter is invalid; see details.": "フィルター条件に誤りがあります。details を確認してください。",
    "The job queue is not taking work right now; nothing was started. Retry in a moment.":
        "ただいまジョブを受け付けられません。処理は開始されていません。しばらくしてから再度お試しください。",
    "An unsubscribe must be posted with the body List-Unsubscribe=One-Click.":
        "配信停止は本文 List-Unsubscribe=One-Click を付けて POST してください。",
    "This tracking link is not valid; open the link from the original email.":
        "このトラッキングリンクは無効です。元のメールからリンクを開いてください。",

    # --- sizes ------------------------------------------------------------------------------------
    "{refusal} It takes {size:,} bytes once stored; at most {limit:,} fit.":
        "{refusal}保存時のサイズは {size:,} バイトで、上限は {limit:,} バイトです。",
    "The contact is too large to store; shorten its memo or its longest text properties.":
        "コンタクトが大きすぎて保存できません。メモや長いテキストのプロパティを短くしてください。",
    "The email is too large to store with the links it tracks; link to large content instead of embedding it, or send "
    "fewer links.":
        "トラッキングするリンクを含めるとメールが大きすぎて保存できません。大きな内容は埋め込まずにリンクにするか、リンクの数を減らしてください。",
    "The template is too large to store; shorten its bodies.":
        "テンプレートが大きすぎて保存できません。本文を短くしてください。",
    "The timeline entry is too large to store; shorten its text.":
        "タイムラインの項目が大きすぎて保存できません。テキストを短くしてください。",
    "The workspace's settings and property definitions are too large to store; remove select options or properties no "
    "longer used.":
        "ワークスペースの設定とプロパティ定義が大きすぎて保存できません。使わなくなった選択肢やプロパティを削除してください。",
    "The email is {size:,} bytes after merging; at most {MAX_BODY_BYTES:,} bytes of subject and bodies can be sent. "
    "Link to large content instead of embedding it.":
        "差し込み後のメールは {size:,} バイトです。件名と本文は合計 {MAX_BODY_BYTES:,} バイトまで送信できます。"
        "大きな内容は埋め込まずにリンクにしてください。",
    "Too many tag changes in one request; add or remove at most 45 tags at a time.":
        "1 回のリクエストで変更するタグが多すぎます。追加・削除は一度に 45 個までにしてください。",
    "Too many fields changed in one request; change at most {MAX_ITEMS - without_history} fields at a time "
    "(each change is kept in the contact's history).":
        "1 回のリクエストで変更する項目が多すぎます。変更は一度に {MAX_ITEMS - without_history} 項目までにしてください"
        "(変更はそれぞれコンタクトの変更履歴に残ります)。",
    "The change is too large to keep in the history; shorten the longest value.":
        "変更が大きすぎて変更履歴に残せません。最も長い値を短くしてください。",
    "The field to show the history of is not a contact field.":
        "変更履歴を表示する項目がコンタクトの項目ではありません。",

    # --- contention and limits --------------------------------------------------------------------
    "The settings were changed by someone else several times in a row; retry.":
        "設定が他のユーザーによって続けて変更されました。再度お試しください。",
    "These contacts kept changing; retry in a moment.":
        "これらのコンタクトが変更され続けています。しばらくしてから再度お試しください。",
    "This tag is being used by others right now; retry in a moment.":
        "このタグは現在ほかの操作で使用中です。しばらくしてから再度お試しください。",
    "This contact is being changed by others right now; retry in a moment.":
        "このコンタクトは現在ほかのユーザーが変更中です。しばらくしてから再度お試しください。",
    "This member is being changed by others right now; retry in a moment.":
        "このメンバーは現在ほかのユーザーが変更中です。しばらくしてから再度お試しください。",
    "The contacts of these events kept changing; retry the call (recorded events answer duplicate).":
        "これらのイベントのコンタクトが変更され続けています。再度お試しください"
        "（記録済みのイベントは duplicate と返ります）。",
    "The company is partly deleted; send the same DELETE again in a moment.":
        "会社の削除が途中までしか完了していません。しばらくしてから同じ DELETE をもう一度送信してください。",
    "Look up at most {MAX_LOOKUP_VALUES:,} values per request; split the list.":
        "1 回のリクエストで照会できる値は {MAX_LOOKUP_VALUES:,} 件までです。リストを分割してください。",
    "Look up at most {contact_rules.MAX_PHONE_QUERIES:,} phone numbers per request in a workspace of this size; split "
    "the list.":
        "この規模のワークスペースでは、1 回のリクエストで照会できる電話番号は {contact_rules.MAX_PHONE_QUERIES:,} "
        "件までです。リストを分割してください。",
    "This workspace's plan allows {limit:,} contacts and all of them are in use; delete contacts or ask the owner to "
    "raise the limit.":
        "このワークスペースのプランで登録できるコンタクトは {limit:,} 件で、すべて使用済みです。"
        "コンタクトを削除するか、オーナーに上限の引き上げを依頼してください。",
    "At most {ingest.MAX_EVENTS} events a call; split the batch.":
        "1 回の呼び出しで送信できるイベントは {ingest.MAX_EVENTS} 件までです。バッチを分割してください。",
    "You started an export less than {int(EXPORT_INTERVAL.total_seconds()) // 60} minutes ago; try again in {minutes} "
    "minute{'s' if minutes > 1 else ''}.":
        "前回のエクスポートから {int(EXPORT_INTERVAL.total_seconds()) // 60} 分経っていません。"
        "{minutes} 分後に再度お試しください。",
    "Too many hits from {whose}; at most {limit:,} a minute.":
        "{whose}からのアクセスが多すぎます。1 分あたり {limit:,} 件までです。",
    "this address": "このアドレス",
    "this site key": "このサイトキー",
    "Too many hits from this visitor; at most {web.FLOOD_PER_MINUTE} a minute.":
        "この訪問者からのアクセスが多すぎます。1 分あたり {web.FLOOD_PER_MINUTE} 件までです。",
    "This site's forms have created {budget:,} new contacts today, the most a day; the form was not recorded.":
        "このサイトのフォームから本日 {budget:,} 件のコンタクトが作成され、1 日の上限に達しました。"
        "このフォーム送信は記録されていません。",

    # --- not found ----------------------------------------------------------------------------------
    "No API key with id {key_id} exists.": "ID が {key_id} の API キーは存在しません。",
    "The API documentation has no file named {asset}.": "API ドキュメントに {asset} というファイルはありません。",
    "No activity with id {activity_id} exists on this contact (or you may not see it).":
        "このコンタクトに ID が {activity_id} のアクティビティは存在しません（または閲覧権限がありません）。",
    "No company with id {company_id} exists.": "ID が {company_id} の会社は存在しません。",
    "No contact with id {contact_id} exists (or you may not see it).":
        "ID が {contact_id} のコンタクトは存在しません（または閲覧権限がありません）。",
    "No email template with id {template_id} exists.": "ID が {template_id} のメールテンプレートは存在しません。",
    "No email with id {email_id} exists (or you may not see it).":
        "ID が {email_id} のメールは存在しません（または閲覧権限がありません）。",
    "No export with id {export_id} exists (or it is someone else's).":
        "ID が {export_id} のエクスポートは存在しません（または他のユーザーのものです）。",
    "No import with id {import_id} exists (or it is someone else's).":
        "ID が {import_id} のインポートは存在しません（または他のユーザーのものです）。",
    "No job with id {job_id} exists (or it is someone else's).":
        "ID が {job_id} のジョブは存在しません（または他のユーザーのものです）。",
    "No member with id {member_id} exists in this workspace.":
        "このワークスペースに ID が {member_id} のメンバーは存在しません。",
    "No property with key {key} exists.": "キーが {key} のプロパティは存在しません。",
    "No segment with id {segment_id} exists.": "ID が {segment_id} のセグメントは存在しません。",
    "No site key {site_key} exists.": "サイトキー {site_key} は存在しません。",
    "No tag named {name} exists.": "{name} という名前のタグは存在しません。",
    "No workspace {tenant} exists; create it first (crm admin create-tenant).":
        "ワークスペース {tenant} は存在しません。先に作成してください（crm admin create-tenant）。",
    "You have no notification with id {notification_id}.": "ID が {notification_id} の通知はありません。",
    "This contact has no email address; add one before sending.":
        "このコンタクトにはメールアドレスがありません。送信する前に登録してください。",
    "This contact has no phone number; add one to call.":
        "このコンタクトには電話番号がありません。電話をかける前に登録してください。",
    "The email template does not exist; choose another one.":
        "メールテンプレートが存在しません。別のテンプレートを選択してください。",
    "The company does not exist (or is being deleted); choose another one.":
        "会社が存在しません（または削除中です）。別の会社を選択してください。",
    "The email of this notification is not recorded yet; deliver the notification again.":
        "この通知のメールはまだ記録されていません。通知をもう一度配信してください。",
    "You have not set up a mailbox; PUT /v1/me/mailbox with your SMTP server first.":
        "メールボックスが設定されていません。先に PUT /v1/me/mailbox で SMTP サーバーを設定してください。",
    "You have not linked a mailbox over IMAP; PUT /v1/me/mailbox with its imap settings first.":
        "IMAP でメールボックスが連携されていません。先に PUT /v1/me/mailbox で imap の設定を保存してください。",

    # --- mail transports (the reason a send failed; quoted by the connection test's 422) -----------
    "The connection test failed: {failed}": "接続テストに失敗しました: {failed}",
    "Check the host, port and security in your mailbox settings (tls usually uses port 465, starttls 587).":
        "メールボックス設定のホスト、ポート、暗号化方式を確認してください（通常 tls は 465 番、"
        "starttls は 587 番ポートです）。",
    "The {server} server {host} could not be found (DNS lookup failed). Check the host in your mailbox settings.":
        "{server} サーバー {host} が見つかりません（DNS の名前解決に失敗しました）。"
        "メールボックス設定のホストを確認してください。",
    "The {server} server {host} resolves to an internal address ({internal[0]}), which is not allowed. Use your mail "
    "provider's public {server} host.":
        "{server} サーバー {host} は内部アドレス（{internal[0]}）を指しているため使用できません。"
        "メールプロバイダーの公開 {server} ホストを指定してください。",
    "The SMTP server {host} could not be reached on port {port}. {_CHECK_SETTINGS}":
        "SMTP サーバー {host} のポート {port} に接続できませんでした。{_CHECK_SETTINGS}",
    "Could not reach the SMTP server {host} on port {port} ({error.strerror or error}). {_CHECK_SETTINGS}":
        "SMTP サーバー {host} のポート {port} に接続できませんでした（{error.strerror or error}）。{_CHECK_SETTINGS}",
    "The SMTP server {host} did not answer within {timeout:g} seconds. {_CHECK_SETTINGS}":
        "SMTP サーバー {host} から {timeout:g} 秒以内に応答がありませんでした。{_CHECK_SETTINGS}",
    "The SMTP server {host} closed the connection unexpectedly; try again later. {_CHECK_SETTINGS}":
        "SMTP サーバー {host} が接続を予期せず切断しました。しばらくしてから再度お試しください。{_CHECK_SETTINGS}",
    "The SMTP server {settings.host} does not offer STARTTLS on port {settings.port}, so the password would travel "
    "unencrypted; nothing was sent. {_CHECK_SETTINGS}":
        "SMTP サーバー {settings.host} のポート {settings.port} は STARTTLS に対応していないため、"
        "パスワードが暗号化されずに送られてしまいます。何も送信していません。{_CHECK_SETTINGS}",
    "The secure connection to the SMTP server {host} failed ({error.reason or error}). {_CHECK_SETTINGS}":
        "SMTP サーバー {host} との暗号化通信（TLS）に失敗しました（{error.reason or error}）。{_CHECK_SETTINGS}",
    "The certificate of the SMTP server {host} could not be verified ({error.verify_message.rstrip('.')}). Check the "
    "host name in your mailbox settings, or ask your mail provider about its certificate.":
        "SMTP サーバー {host} の証明書を検証できませんでした（{error.verify_message.rstrip('.')}）。"
        "メールボックス設定のホスト名を確認するか、証明書についてメールプロバイダーにお問い合わせください。",
    "The SMTP server refused the login ({_reply(error.smtp_code, error.smtp_error)}). Check the username and password "
    "in your mailbox settings.":
        "SMTP サーバーがログインを拒否しました（{_reply(error.smtp_code, error.smtp_error)}）。"
        "メールボックス設定のユーザー名とパスワードを確認してください。",
    "The SMTP server {settings.host} does not offer login (AUTH) on this connection. {_CHECK_SETTINGS}":
        "SMTP サーバー {settings.host} はこの接続でログイン（AUTH）に対応していません。{_CHECK_SETTINGS}",
    "The SMTP server refused the sender address {envelope_from} ({_reply(code, text)}). Your mail server may not allow "
    "sending as this address.":
        "SMTP サーバーが差出人アドレス {envelope_from} を拒否しました（{_reply(code, text)}）。"
        "メールサーバーがこのアドレスからの送信を許可していない可能性があります。",
    "The SMTP server refused the {noun} {named}; nothing was sent.":
        "SMTP サーバーが{noun} {named} を拒否しました。何も送信していません。",
    "recipient": "宛先",
    "recipients": "宛先",
    "The SMTP server refused the message ({_reply(code, text)}); nothing was sent.":
        "SMTP サーバーがメッセージを拒否しました（{_reply(code, text)}）。何も送信していません。",
    "The SMTP server {host} answered with an error ({_reply(error.smtp_code, error.smtp_error)}).":
        "SMTP サーバー {host} がエラーを返しました（{_reply(error.smtp_code, error.smtp_error)}）。",
    "The SMTP server {host} could not be used: {error}": "SMTP サーバー {host} を使用できませんでした: {error}",
    "The password of your mailbox could not be read; set it again (PUT /v1/me/mailbox).":
        "メールボックスのパスワードを読み取れませんでした。もう一度設定してください（PUT /v1/me/mailbox）。",
    "Your mailbox settings were removed; set them again (PUT /v1/me/mailbox).":
        "メールボックス設定が削除されています。もう一度設定してください（PUT /v1/me/mailbox）。",
    "Amazon SES refused the message ({why}).": "Amazon SES がメッセージを拒否しました（{why}）。",
    "no reason given": "理由の記載なし",
    "Amazon SES could not be reached ({type(error).__name__}); try again later.":
        "Amazon SES に接続できませんでした（{type(error).__name__}）。しばらくしてから再度お試しください。",

    # --- permissions --------------------------------------------------------------------------------
    "Only an owner or admin can {action}; your role is {self.role}.":
        "{action}ことができるのはオーナーまたは管理者のみです。あなたのロールは {self.role} です。",
    "create API keys": "API キーを作成する",
    "delete API keys": "API キーを削除する",
    "see API keys": "API キーを表示する",
    "create site keys": "サイトキーを作成する",
    "change site keys": "サイトキーを変更する",
    "delete site keys": "サイトキーを削除する",
    "see site keys": "サイトキーを表示する",
    "define properties": "プロパティを定義する",
    "change properties": "プロパティを変更する",
    "change the settings": "設定を変更する",
    "You see only your own contacts (owner visibility), so you cannot {action}; ask a manager, admin or owner.":
        "自分が担当するコンタクトのみ閲覧できる設定のため、{action}ことはできません。マネージャー、管理者またはオーナーに依頼してください。",
    "delete a tag from every contact": "すべてのコンタクトからタグを削除する",
    "Only whoever created this {what}, an owner or an admin can change or delete it.":
        "この{what}を変更・削除できるのは、作成者、オーナーまたは管理者のみです。",
    "segment": "セグメント",
    "template": "テンプレート",
    "Your role (user) cannot delete contacts; ask a manager, admin or owner.":
        "あなたのロール（user）ではコンタクトを削除できません。マネージャー、管理者またはオーナーに依頼してください。",
    "Only an owner can grant or take away the owner role, or change another owner.":
        "オーナーロールの付与・解除や、他のオーナーの変更ができるのはオーナーのみです。",
    "Only an owner or admin can manage members; your role is {principal.role}.":
        "メンバーを管理できるのはオーナーまたは管理者のみです。あなたのロールは {principal.role} です。",
    "Only the owner can change the contact limit (the plan); your role is {principal.role}.":
        "コンタクト数の上限（プラン）を変更できるのはオーナーのみです。あなたのロールは {principal.role} です。",
    "Only the sender or a manager, admin or owner can {action} this email.":
        "このメールを{action}できるのは、送信者、マネージャー、管理者またはオーナーのみです。",
    "cancel": "キャンセル",
    "reschedule": "再スケジュール",
    "Your role ({principal.role}) cannot change companies; ask a manager, admin or owner.":
        "あなたのロール（{principal.role}）では会社を変更できません。マネージャー、管理者またはオーナーに依頼してください。",
    "Your role ({role}) may not export contacts; the tenant allows {', '.join(settings['export_roles'])}.":
        "あなたのロール（{role}）ではコンタクトをエクスポートできません。"
        "このワークスペースで許可されているのは {', '.join(settings['export_roles'])} です。",
    "Your role (user) can change only the activities you logged.":
        "あなたのロール（user）で変更できるのは、自分で記録したアクティビティのみです。",
    "You are no longer a member of this workspace; ask an owner or admin.":
        "あなたはこのワークスペースのメンバーではなくなりました。オーナーまたは管理者にお問い合わせください。",
    "Your account in this workspace is disabled; ask an owner or admin.":
        "このワークスペースでのあなたのアカウントは無効になっています。オーナーまたは管理者にお問い合わせください。",
    "Send a valid API key in the X-Api-Key header (owners and admins create them).":
        "X-Api-Key ヘッダーに有効な API キーを指定してください（API キーはオーナーまたは管理者が作成します）。",
    "This request is not a verified Amazon SNS delivery from an allowed topic.":
        "このリクエストは、許可されたトピックからの検証済み Amazon SNS 配信ではありません。",
    "Unknown site key: copy the snippet again from your site keys.":
        "不明なサイトキーです。サイトキーの画面からスニペットをコピーし直してください。",
    "This page's origin is not allowed for this site key; add it to the key's allowed_origins.":
        "このページのオリジンはこのサイトキーで許可されていません。キーの allowed_origins に追加してください。",
    "The page's URL is not on an origin allowed for this site key.":
        "ページの URL が、このサイトキーで許可されたオリジンにありません。",

    # --- conflicts ----------------------------------------------------------------------------------
    "Another company already has this domain; open that company or use another domain.":
        "このドメインは既に別の会社に登録されています。その会社を開くか、別のドメインを指定してください。",
    "{domain} is already used by another company": "{domain} は既に別の会社で使用されています",
    "Another contact already has this email address; open that contact or use another address.":
        "このメールアドレスは既に別のコンタクトに登録されています。そのコンタクトを開くか、別のアドレスを指定してください。",
    "{email} is already used by another contact": "{email} は既に別のコンタクトで使用されています",
    "Another contact already has this email address, one you may not see; ask its owner or a manager.":
        "このメールアドレスは、あなたが閲覧できない別のコンタクトに既に登録されています。その担当者またはマネージャーにお問い合わせください。",
    "This email address already belongs to a user (of this or another workspace); invite another address.":
        "このメールアドレスは既に（このワークスペースまたは別のワークスペースの）ユーザーが使用しています。別のアドレスを招待してください。",
    "{email} is already a user": "{email} は既にユーザーとして登録されています",
    "This would leave the workspace without an active owner; make another member owner first.":
        "この操作を行うと、ワークスペースに有効なオーナーがいなくなります。先に別のメンバーをオーナーにしてください。",
    "A property with key {definition['key']} already exists; choose another key or restore it.":
        "キーが {definition['key']} のプロパティは既に存在します。別のキーを指定するか、"
        "そのプロパティを復元してください。",
    "The tag {name} already exists.": "タグ {name} は既に存在します。",
    "already exists": "既に存在します",
    "The tag {name} is being deleted; create it again once that job is done.":
        "タグ {name} は削除中です。削除ジョブの完了後に作成し直してください。",
    "is being deleted": "削除中です",
    "A {activity['type']} entry is written by the system; it cannot be edited or deleted.":
        "{activity['type']} の項目はシステムが記録したもので、編集・削除できません。",
    "is {activity['type']}": "{activity['type']} です",
    "This email is {email['status']}, no longer scheduled, so it cannot be {done}.":
        "このメールは {email['status']} の状態で、予約中ではないため{done}できません。",
    "cancelled": "キャンセル",
    "rescheduled": "再スケジュール",
    "is {email['status']}": "{email['status']} です",
    "This export is {job['status']}; it has no file to download.":
        "このエクスポートは {job['status']} の状態のため、ダウンロードできるファイルはありません。",
    "This export's download link expired 24 hours after it was made; export again.":
        "このエクスポートのダウンロードリンクは作成から 24 時間で期限切れになりました。"
        "もう一度エクスポートしてください。",
    "This import was started already (it is {job['status']}); create a new import.":
        "このインポートは既に開始されています（状態: {job['status']}）。新しいインポートを作成してください。",
    "This import was started already; create a new import.":
        "このインポートは既に開始されています。新しいインポートを作成してください。",
    "No file was uploaded for this import yet: PUT it to the upload_url first.":
        "このインポートのファイルはまだアップロードされていません。先に upload_url へ PUT してください。",
    "The uploaded file is no longer there (files are kept seven days); upload it again in a new import.":
        "アップロードされたファイルはもうありません（保存期間は 7 日間です）。"
        "新しいインポートでもう一度アップロードしてください。",
    "This segment's filter no longer fits the properties or segments it uses (one was archived or deleted); edit the "
    "segment.":
        "このセグメントのフィルターが、使用しているプロパティやセグメントと合わなくなりました（アーカイブまたは削除されたものがあります）。セグメントを編集してください。",
    "The user pool does not take this email address; check it.":
        "このメールアドレスはユーザープールで使用できません。アドレスを確認してください。",
    "is refused by the user pool: {refused}": "ユーザープールで使用できません: {refused}",

    # --- sending email ------------------------------------------------------------------------------
    "Some addresses are marked undeliverable; remove them or correct them before sending.":
        "配信できないアドレスが含まれています。送信する前に削除または修正してください。",
    "Some addresses belong to contacts you may not see; remove them before sending.":
        "閲覧権限のないコンタクトのアドレスが含まれています。送信する前に削除してください。",
    "{address} is marked {status}; mail to it is refused":
        "{address} は {status} とされているため、このアドレスには送信できません",
    "This contact's address is marked {delivery_status}; mail to it is refused. Correct the address (or wait for a "
    "delivery) before sending.":
        "このコンタクトのアドレスは {delivery_status} とされているため、送信できません。"
        "アドレスを修正するか、配信が確認されるまでお待ちください。",
    "delivery status is {delivery_status}": "配信状態が {delivery_status} です",
    "Your account has no email address to send from; ask an administrator to add one.":
        "あなたのアカウントには送信元のメールアドレスがありません。管理者に登録を依頼してください。",
    "is missing from your sign-in token": "サインインのトークンに含まれていません",
    "Your name or email address (from your sign-in) cannot be used as a sender; ask an administrator to correct your "
    "profile.":
        "（サインイン情報の）お名前またはメールアドレスは送信者として使用できません。管理者にプロフィールの修正を依頼してください。",
    "Some merge fields are unknown or have no value; see details.":
        "不明な差し込みフィールド、または値のない差し込みフィールドがあります。details を確認してください。",
    "Some merge fields are unknown; see details.": "不明な差し込みフィールドがあります。details を確認してください。",
    "{shown} is not a defined property": "{shown} は定義されていないプロパティです",
    "{shown} is an archived property; restore it or remove the merge field":
        "{shown} はアーカイブされたプロパティです。復元するか、差し込みフィールドを削除してください",
    "{shown} is not a merge field; use {{{{contact.FIELD}}}}, {{{{contact.properties.KEY}}}}, {{{{sender.name}}}} or "
    "{{{{sender.email}}}}":
        "{shown} は差し込みフィールドではありません。{{{{contact.FIELD}}}}、{{{{contact.properties.KEY}}}}、"
        "{{{{sender.name}}}}、{{{{sender.email}}}} のいずれかを使用してください",
    "{{{{{name}}}}} has no value for this contact; fill it in or remove the merge field":
        "このコンタクトの {{{{{name}}}}} には値がありません。値を入力するか、差し込みフィールドを削除してください",
    "an email can have at most {MAX_RECIPIENTS} recipients (to, cc and bcc together)":
        "1 通のメールの宛先は to、cc、bcc を合わせて {MAX_RECIPIENTS} 件までです",
    "{address} is already a recipient": "{address} は既に宛先に含まれています",
    "is an email to another contact; reply to the same contact":
        "別のコンタクトへのメールです。同じコンタクトに返信してください",
    "is the address of another contact, one you may not see": "閲覧権限のない別のコンタクトのアドレスです",
    "is not the id of an email you can see": "閲覧できるメールの ID ではありません",
    "a preview merges the fields of an existing contact": "プレビューでは既存のコンタクトの項目を差し込みます",
    "smtp needs your mailbox: set it with PUT /v1/me/mailbox first":
        "smtp で送信するにはメールボックスが必要です。先に PUT /v1/me/mailbox で設定してください",
    "is required, and the only field that can change": "必須項目で、変更できるのはこの項目のみです",
    "give either contact_id or to_email, not both": "contact_id と to_email のどちらか一方を指定してください",
    "is in the past; choose a time to come or null to send now":
        "過去の日時です。未来の日時を指定するか、すぐに送信する場合は null を指定してください",
    "must not be empty: the address to write to": "空にはできません。送信先のメールアドレスを指定してください",
    "is required: the id of the contact to write to (or to_email: an address, for a new contact)":
        "必須項目です。送信先のコンタクトの ID を指定してください（新しいコンタクトの場合は to_email "
        "にアドレスを指定）",
    "is required: the new time to send": "必須項目です。新しい送信日時を指定してください",
    "must be at most a year ahead": "1 年以内の日時を指定してください",
    "must be the id of an email, or null": "メールの ID または null を指定してください",
    "is not an email field": "メールの項目ではありません",
    "is not a field of an email to a selection": "一括メール送信の項目ではありません",
    "is required (or a template_id whose template has one)":
        "必須です(または件名のあるテンプレートの template_id を指定してください)",
    "must be one of {', '.join(outbound.FOLDERS)}": "{', '.join(outbound.FOLDERS)} のいずれかを指定してください",
    "is not the id of one of your templates": "テンプレートの ID ではありません",
    "is not taken with from_email_id (only name)":
        "from_email_id と一緒には指定できません（指定できるのは name のみです）",
    "must be a list of email addresses": "メールアドレスのリストで指定してください",
    "is not a header name that may be added": "追加できるヘッダー名ではありません",
    "must not contain line breaks or control characters": "改行や制御文字を含めることはできません",
    "is required unless body_html is given": "body_html を指定しない場合は必須です",
    "is required unless body_text is given": "body_text を指定しない場合は必須です",

    # --- mailbox --------------------------------------------------------------------------------------
    "is not a mailbox setting": "メールボックスの設定項目ではありません",
    "is required the first time the mailbox is saved": "メールボックスを初めて保存するときは必須です",
    "is required: the login of your {protocol.name} server":
        "必須項目です。{protocol.name} サーバーのログイン名を指定してください",
    "is required: your {protocol.name} server, such as {protocol.example}":
        "必須項目です。{protocol.example} のように {protocol.name} サーバーを指定してください",
    "must be a host name such as {protocol.example}, or an IP address":
        "{protocol.example} のようなホスト名または IP アドレスで指定してください",
    "is an internal address, which is not allowed; use your mail provider's public {protocol.name} host":
        "内部アドレスは指定できません。メールプロバイダーの公開 {protocol.name} ホストを指定してください",
    "must be an object of IMAP settings, or null to unlink the mailbox":
        "IMAP の設定をオブジェクトで指定するか、連携を解除する場合は null を指定してください",
    "must be a non-empty string": "空でない文字列で指定してください",
    "must be a whole number from 1 to 65535": "1〜65535 の整数で指定してください",
    "must be at most {MAX_PASSWORD} characters": "{MAX_PASSWORD} 文字以内で指定してください",
    "is not used with auth oauth2 (the refresh token logs in)":
        "auth が oauth2 のときは使用しません（リフレッシュトークンでログインします）",
    "is only used with auth oauth2": "auth が oauth2 のときだけ指定できます",
    "is required with auth oauth2: an object of {', '.join(OAUTH2_FIELDS)}":
        "auth が oauth2 のときは必須です。{', '.join(OAUTH2_FIELDS)} を持つオブジェクトで指定してください",
    "is not an OAuth2 setting": "OAuth2 の設定項目ではありません",
    "must be one of {', '.join([*OAUTH2_PROVIDERS, CUSTOM_PROVIDER])}":
        "{', '.join([*OAUTH2_PROVIDERS, CUSTOM_PROVIDER])} のいずれかを指定してください",
    "must be printable ASCII of 1 to {MAX_OAUTH2_TEXT} characters":
        "1〜{MAX_OAUTH2_TEXT} 文字の印字可能な ASCII 文字で指定してください",
    "must be your provider's https token endpoint, such as {OAUTH2_PROVIDERS['google'][0]}":
        "{OAUTH2_PROVIDERS['google'][0]} のような、プロバイダーの https のトークンエンドポイントを指定してください",
    "is an internal address, which is not allowed": "内部アドレスは指定できません",
    "OAuth2 token": "OAuth2 トークン",
    "must use ASCII characters only; the {protocol.name} login cannot carry others":
        "ASCII 文字のみで指定してください。{protocol.name} のログインではそれ以外の文字を使用できません",
    "must use printable ASCII characters only, without line breaks; the {protocol.name} login cannot carry others":
        "改行を含まない印字可能な ASCII 文字のみで指定してください。{protocol.name} "
        "のログインではそれ以外の文字を使用できません",
    "none (no encryption) is only allowed for a server on this machine (localhost): the password must never cross the "
    "network in clear text. Choose starttls or tls.":
        "none（暗号化なし）は同じマシン上のサーバー（localhost）にのみ指定できます。"
        "パスワードを平文でネットワークに流すことはできません。starttls または tls を選択してください。",

    # --- generic field checks -----------------------------------------------------------------------
    "is required": "必須項目です",
    "must be a JSON object": "JSON オブジェクトで指定してください",
    "must be a JSON object (or empty)": "JSON オブジェクトで指定するか、空にしてください",
    "is not a field of this request, which takes none": "このリクエストは入力項目を受け付けません",
    "must be a string": "文字列で指定してください",
    "must be at most {max_length} characters": "{max_length} 文字以内で指定してください",
    "must be at most 128 characters": "128 文字以内で指定してください",
    "must be at most 200 characters": "200 文字以内で指定してください",
    "must be a string of at most {MAX_QUERY_LENGTH} characters":
        "{MAX_QUERY_LENGTH} 文字以内の文字列で指定してください",
    "must be a string of at most {limit} characters": "{limit} 文字以内の文字列で指定してください",
    "must be at most {MAX_URL_LENGTH} characters once encoded": "エンコード後 {MAX_URL_LENGTH} 文字以内にしてください",
    "must not contain control characters": "制御文字を含めることはできません",
    "must not contain control characters or line breaks": "制御文字や改行を含めることはできません",
    "must not be empty": "空にはできません",
    "must not be null": "null は指定できません",
    "must be a number": "数値で指定してください",
    "must be a finite number": "有限の数値で指定してください",
    "must be true or false": "true または false で指定してください",
    "must be true": "true を指定してください",
    "is required: true or false": "必須項目です。true または false で指定してください",
    "must be a date such as 2026-04-01": "2026-04-01 のような日付で指定してください",
    "must be an ISO 8601 time such as 2026-04-01T09:00:00Z":
        "2026-04-01T09:00:00Z のような ISO 8601 形式の日時で指定してください",
    "must be an ISO 8601 time such as 2026-12-01T09:00:00+09:00":
        "2026-12-01T09:00:00+09:00 のような ISO 8601 形式の日時で指定してください",
    "must be a valid email address, such as taro@example.co.jp":
        "taro@example.co.jp のような正しいメールアドレスを指定してください",
    "must be a phone number of 5 to 20 digits, such as 03-1234-5678":
        "03-1234-5678 のような 5〜20 桁の電話番号を指定してください",
    "must be an http or https URL": "http または https の URL で指定してください",
    "must be an object": "オブジェクトで指定してください",
    "must be a list of strings": "文字列のリストで指定してください",
    "is read-only": "読み取り専用です",
    "is empty": "空です",

    # --- contacts and companies ---------------------------------------------------------------------
    "is not a contact field": "コンタクトの項目ではありません",
    "must be a contact field (such as status or tags) or properties.KEY":
        "コンタクトの項目(status や tags など)または properties.KEY で指定してください",
    "is not a defined property": "定義されていないプロパティです",
    "is archived; restore it before writing": "アーカイブされています。書き込む前に復元してください",
    "a contact can have at most {MAX_TAGS} tags": "1 件のコンタクトに付けられるタグは {MAX_TAGS} 個までです",
    "must be a list of tag names": "タグ名のリストで指定してください",
    "must be an object of property key → value": "プロパティのキー → 値のオブジェクトで指定してください",
    "must be one of {', '.join(options)}": "{', '.join(options)} のいずれかを指定してください",
    "must be one of: {', '.join(definition.get('options') or [])}":
        "次のいずれかを指定してください: {', '.join(definition.get('options') or [])}",
    "must be the id of one of your companies, or null": "登録済みの会社の ID または null を指定してください",
    "is not the id of one of your companies": "登録済みの会社の ID ではありません",
    'must not contain "/"; use another separator such as "・" or "-"':
        "「/」は使用できません。「・」や「-」など別の区切り文字を使用してください",
    "must be one of email, phone, id": "email、phone、id のいずれかを指定してください",
    "must be the next_cursor of the previous answer, or null":
        "前回のレスポンスの next_cursor または null を指定してください",
    "a company can have at most {MAX_PROPERTIES} properties":
        "1 社に設定できるプロパティは {MAX_PROPERTIES} 個までです",
    "is a free-mail domain; it cannot identify a company": "フリーメールのドメインのため、会社を特定できません",
    "is not a company field": "会社の項目ではありません",
    "keys are lower-case letters, digits and _, starting with a letter":
        "キーは英小文字で始め、英小文字・数字・_ のみで指定してください",
    "must be a domain name such as example.co.jp": "example.co.jp のようなドメイン名で指定してください",
    "must be an object of key → text, number, true/false or null":
        "キー → テキスト、数値、true/false または null のオブジェクトで指定してください",
    "must be text, a number, true/false or null": "テキスト、数値、true/false または null で指定してください",
    "must be the bare domain such as example.co.jp (no scheme, www., path or @)":
        "example.co.jp のようにドメインのみを指定してください（スキーム、www.、パス、@ は不要です）",
    "must be name or created_at": "name または created_at を指定してください",

    # --- activities, calls and the timeline ---------------------------------------------------------
    "is not an activity field": "アクティビティの項目ではありません",
    "is not a call field": "通話の項目ではありません",
    "a subject or a body is required": "件名または本文のどちらかが必要です",
    "must be a whole number of seconds from 0 to {MAX_CALL_SECONDS}":
        "0〜{MAX_CALL_SECONDS} の整数（秒）で指定してください",
    "must not be after `to`": "`to` より後の日時は指定できません",
    "not an activity type: {', '.join(unknown)} (one of the CRM's types or your own lower_snake_case type)":
        "アクティビティの種類ではありません: {', '.join(unknown)}（CRM の種類か、"
        "独自の lower_snake_case の種類を指定してください）",

    # --- bulk actions and exports -------------------------------------------------------------------
    "is not a bulk field": "一括操作の項目ではありません",
    "is not a parameter of {action}": "{action} のパラメーターではありません",
    "is required (null makes the contacts ownerless)": "必須項目です（null を指定すると担当者なしになります）",
    "must be a non-empty list of contact ids": "コンタクト ID のリスト（1 件以上）で指定してください",
    "must be a segment id": "セグメントの ID で指定してください",
    "must be one of {', '.join(contact_rules.STATUSES)}":
        "{', '.join(contact_rules.STATUSES)} のいずれかを指定してください",
    'must be one of {{"ids": [...]}}, {{"filter": {{...}}}}, {{"segment_id": "..."}}':
        '{{"ids": [...]}}、{{"filter": {{...}}}}、{{"segment_id": "..."}} のいずれかで指定してください',
    "must hold at most {MAX_IDS:,} ids; select by filter instead":
        "ID は {MAX_IDS:,} 件までです。代わりにフィルターで選択してください",
    "must list 1 to {MAX_TAGS_PER_ACTION} tag names": "タグ名を 1〜{MAX_TAGS_PER_ACTION} 個指定してください",
    "is not an export field": "エクスポートの項目ではありません",
    "is required: why these contacts leave the CRM (kept in the audit log)":
        "必須項目です。これらのコンタクトを CRM から持ち出す理由を指定してください（監査ログに記録されます）",
    "must be at least 6 characters with letters and digits": "英字と数字を含む 6 文字以上で指定してください",
    "must be csv or xlsx": "csv または xlsx を指定してください",
    "must be keys or labels": "keys（項目名）または labels（表示名）を指定してください",
    'must be one of {{"all": true}}, {{"ids": [...]}}, {{"filter": {{...}}}}, {{"segment_id": "..."}}':
        '{{"all": true}}、{{"ids": [...]}}、{{"filter": {{...}}}}、{{"segment_id": "..."}} '
        'のいずれかで指定してください',
    "must contain both letters and digits": "英字と数字の両方を含めてください",
    "must list 1 to 10,000 contact ids": "コンタクト ID を 1〜10,000 件指定してください",
    "must list 1 to {MAX_FIELDS} field names": "項目名を 1〜{MAX_FIELDS} 個指定してください",
    "must use only ASCII letters, digits and symbols (no spaces or full-width characters)":
        "半角の英数字と記号のみで指定してください（空白や全角文字は使用できません）",
    "{name!r} is not a contact field or a live property":
        "{name!r} はコンタクトの項目でも有効なプロパティでもありません",

    # --- imports and CSV files ----------------------------------------------------------------------
    # a failed row of GET /v1/imports/{id} (shared.domain.imports.row_error)
    "the row has {len(row[tabular.EXTRA])} more cell(s) than the header has columns (an unquoted comma?)":
        "この行は見出しの列より {len(row[tabular.EXTRA])} 個多くのセルがあります"
        "（引用符で囲まれていないカンマがありませんか）",
    "Not imported: another contact already has this email address (emails are unique), one you may not see.":
        "取り込みませんでした: このメールアドレスの連絡先があなたの閲覧できない範囲に既にあります"
        "（メールアドレスは重複できません）。",
    "Not imported: another contact took this email while the import ran (emails are unique); import this row again to "
    "update that contact.":
        "取り込みませんでした: インポート中に別の連絡先がこのメールアドレスで登録されました"
        "（メールアドレスは重複できません）。この行をもう一度インポートすると、その連絡先を更新します。",
    "Not imported: the plan allows {contact_limit:,} contacts and all of them are in use; delete contacts or ask the "
    "owner to raise the limit, then import this row again.":
        "取り込みませんでした: ご契約のプランで登録できる連絡先 {contact_limit:,} 件をすべて使用しています。"
        "連絡先を削除するか、オーナーに上限の引き上げを依頼してから、この行をもう一度インポートしてください。",
    "is not a field of an import start": "インポート開始の項目ではありません",
    "is not a field of an import": "インポートの項目ではありません",
    "must be update or skip (contacts are matched by email)":
        "update または skip を指定してください（コンタクトはメールアドレスで照合されます）",
    'must map CSV columns to fields, e.g. {{"メールアドレス": "email"}}':
        'CSV の列を項目に対応づけてください（例: {{"メールアドレス": "email"}}）',
    "there is no column {column!r} in the file (its columns: {', '.join(header[:20])})":
        "ファイルに列 {column!r} がありません（ファイルの列: {', '.join(header[:20])}）",
    "{target!r} is not a contact field, a live property (properties.KEY), tags or groups":
        "{target!r} はコンタクトの項目、有効なプロパティ（properties.KEY）、tags、groups のいずれでもありません",
    "{target} is already filled from column {seen[target]!r}":
        "{target} には既に列 {seen[target]!r} が対応づけられています",
    "The file is {size // 2 ** 20} MB; an import takes at most {imports.MAX_BYTES // 2 ** 20} MB. Split it into "
    "several files.":
        "ファイルは {size // 2 ** 20} MB です。インポートできるのは {imports.MAX_BYTES // 2 ** 20} MB までです。"
        "複数のファイルに分割してください。",
    "at line {line}: the text is not valid {label} (mixed encodings?)":
        "{line} 行目: テキストが正しい {label} ではありません（文字コードが混在していませんか？）",
    "at line {line}: {error}": "{line} 行目: {error}",
    "column {index} of the header row has no name": "見出し行の {index} 列目に名前がありません",
    "no complete header row in the first {len(head):,} bytes: is this a CSV file?":
        "先頭 {len(head):,} バイトに見出し行が収まっていません。CSV ファイルですか？",
    'the column name "{EXTRA}" is reserved': "列名「{EXTRA}」は予約されています",
    'the column name "{name}" appears more than once in the header row': "列名「{name}」が見出し行に複数あります",
    "the file has no header row": "ファイルに見出し行がありません",
    "The file is not a CSV file or an Excel workbook we can read: {refused}":
        "読み込める CSV ファイルまたは Excel ブックではありません: {refused}",
    "open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV (UTF-8)":
        "Excel で開き、Excel ブック（.xlsx）または CSV（UTF-8）形式で保存し直してください",
    "this is an Excel 97-2003 .xls file (or a password-protected workbook): {_SAVE_AS}":
        "Excel 97-2003 の .xls ファイル（またはパスワードで保護されたブック）です。{_SAVE_AS}",
    "this workbook is password-protected: remove its password in Excel and upload it again":
        "このブックはパスワードで保護されています。Excel でパスワードを解除してからアップロードし直してください",
    "the workbook's zip archive is encrypted: remove its password and upload it again":
        "ブックの zip アーカイブが暗号化されています。パスワードを解除してからアップロードし直してください",
    "this is an empty zip archive, not a CSV file or an Excel workbook":
        "空の zip アーカイブです。CSV ファイルでも Excel ブックでもありません",
    "this is a zip archive, not an Excel workbook (.xlsx)": "zip アーカイブです。Excel ブック（.xlsx）ではありません",
    "the .xlsx file cannot be read ({reason}): {_SAVE_AS}": ".xlsx ファイルを読み取れません（{reason}）。{_SAVE_AS}",
    "not a complete zip archive: {error}": "完全な zip アーカイブではありません: {error}",
    "the workbook has no worksheet: put the contacts on its first sheet":
        "ブックにワークシートがありません。先頭のシートに連絡先を入力してください",
    "the first sheet of the workbook is empty: it has no header row":
        "ブックの先頭のシートが空です（見出し行がありません）",
    "the workbook unpacks to {unpacked / 2 ** 20:,.0f} MB; an import reads at most {XLSX_MAX_UNPACKED // 2 ** 20:,} "
    "MB: split it into several files":
        "ブックは展開すると {unpacked / 2 ** 20:,.0f} MB になります。インポートで読み込めるのは "
        "{XLSX_MAX_UNPACKED // 2 ** 20:,} MB までです。複数のファイルに分けてください",
    "the workbook's part {member.filename} unpacks to {member.file_size / 2 ** 20:,.0f} MB; an import reads at most "
    "{XLSX_MAX_PART_IN_MEMORY // 2 ** 20} MB of it: split the workbook into several files":
        "ブック内の {member.filename} は展開すると {member.file_size / 2 ** 20:,.0f} MB になります。"
        "インポートで読み込めるのは {XLSX_MAX_PART_IN_MEMORY // 2 ** 20} MB までです。"
        "ブックを複数のファイルに分けてください",
    "at row {number}: the sheet goes past Excel's {XLSX_MAX_ROWS:,} rows or {XLSX_MAX_COLUMNS:,} columns (a damaged "
    "file?)":
        "{number} 行目: シートが Excel の上限（{XLSX_MAX_ROWS:,} 行または {XLSX_MAX_COLUMNS:,} 列）を超えています"
        "（ファイルが壊れていませんか？）",
    "at row {number}: field larger than field limit ({limit})": "{number} 行目: セルが長すぎます（上限 {limit} 文字）",
    "at row {number + 1}: the sheet is damaged ({type(error).__name__}: {error})":
        "{number + 1} 行目: シートが壊れています（{type(error).__name__}: {error}）",
    "the file is empty": "ファイルが空です",
    "the header row cannot be read: {error}": "見出し行を読み取れません: {error}",
    "the header row is empty": "見出し行が空です",
    "the text is neither UTF-8 nor Shift_JIS (cp932): save it as CSV (UTF-8)":
        "テキストが UTF-8 でも Shift_JIS（cp932）でもありません。CSV（UTF-8）形式で保存してください",
    "the text is not valid {_ENCODING_LABELS[encodings[0]]} despite its byte order mark":
        "バイトオーダーマークがありますが、テキストが正しい {_ENCODING_LABELS[encodings[0]]} ではありません",
    "this is a GIF image, not a CSV file": "GIF 画像です。CSV ファイルではありません",
    "this is a JPEG image, not a CSV file": "JPEG 画像です。CSV ファイルではありません",
    "this is a PDF document, not a CSV file": "PDF 文書です。CSV ファイルではありません",
    "this is a PNG image, not a CSV file": "PNG 画像です。CSV ファイルではありません",
    "this is a gzip archive, not a CSV file": "gzip アーカイブです。CSV ファイルではありません",
    "this is a binary file (it contains NUL bytes), not a CSV file":
        "バイナリファイル（NUL バイトを含む）です。CSV ファイルではありません",
    "this is a binary file (it contains control characters), not a CSV file":
        "バイナリファイル（制御文字を含む）です。CSV ファイルではありません",

    # --- JSON bodies ----------------------------------------------------------------------------------
    "is not valid JSON": "正しい JSON ではありません",
    "nests more than {max_depth} arrays and objects": "配列とオブジェクトの入れ子が {max_depth} 階層を超えています",
    'holds a lone UTF-16 surrogate (as in "\\ud800"), which is not text':
        'テキストではない UTF-16 の単独サロゲート（"\\ud800" など）を含んでいます',

    # --- lists and search -----------------------------------------------------------------------------
    "must be a whole number from 1 to {MAX_LIMIT}": "1〜{MAX_LIMIT} の整数で指定してください",
    "must be a whole number from 1 to {listing.MAX_LIMIT}": "1〜{listing.MAX_LIMIT} の整数で指定してください",
    "must be asc or desc": "asc または desc を指定してください",
    "must be one of {', '.join(contact_rules.SORT_FIELDS)}":
        "{', '.join(contact_rules.SORT_FIELDS)} のいずれかを指定してください",
    "is not a search field": "検索の項目ではありません",
    "a group has at most {MAX_CHILDREN} children": "1 つのグループに含められる条件は {MAX_CHILDREN} 個までです",
    'a group has exactly one key, "and" or "or"':
        "グループのキーは「and」または「or」のどちらか 1 つだけにしてください",
    'a tag condition has only "tags"': "タグ条件には「tags」のみを指定してください",
    'a segment condition has only "segment_id"': "セグメント条件には「segment_id」のみを指定してください",
    'an email condition has only "emails"': "メール条件には「emails」のみを指定してください",
    "is not one of your segments": "このテナントのセグメントではありません",
    "refers back to a segment that contains this condition; a segment cannot include itself":
        "この条件を含むセグメント自身を参照しています。セグメントに自分自身を含めることはできません",
    'must be an object such as {{"event": "opened", "since": {{"days_ago": 30}}}}':
        '{{"event": "opened", "since": {{"days_ago": 30}}}} のようなオブジェクトで指定してください',
    "must be one of {', '.join(MAIL_EVENTS)}": "{', '.join(MAIL_EVENTS)} のいずれかを指定してください",
    "must be the id of one of your templates": "このテナントのテンプレートの ID を指定してください",
    "is not part of an email condition (event, template_id, since)":
        "メール条件の項目ではありません（event、template_id、since のいずれかを指定してください）",
    "reaches more than {search.MAX_SEGMENTS} segments through segment_id conditions":
        "segment_id 条件でたどるセグメントが {search.MAX_SEGMENTS} 個を超えています",
    "at most {MAX_TAGS_PER_CONDITION} tags": "タグは {MAX_TAGS_PER_CONDITION} 個までです",
    "groups nest at most {MAX_DEPTH} deep": "グループの入れ子は {MAX_DEPTH} 階層までです",
    "is archived; restore it before searching on it": "アーカイブされています。検索する前に復元してください",
    "is not a searchable contact field": "検索できるコンタクトの項目ではありません",
    "is not available for a {field.type} field; use one of {', '.join(OPS_BY_TYPE[field.type])}":
        "{field.type} 型の項目には使用できません。{', '.join(OPS_BY_TYPE[field.type])} のいずれかを使用してください",
    "is not part of a condition (field, op, value)": "条件（field、op、value）の項目ではありません",
    "is not part of a tag condition (include, include_mode, exclude, exclude_mode)":
        "タグ条件（include、include_mode、exclude、exclude_mode）の項目ではありません",
    "low must not be above high": "下限は上限以下にしてください",
    'must be a date such as 2026-04-01, or {{"days_ago": n}}':
        '2026-04-01 のような日付、または {{"days_ago": n}} で指定してください',
    'must be a group ({{"and": [...]}} or {{"or": [...]}}), a condition or a tag condition':
        'グループ（{{"and": [...]}} または {{"or": [...]}}）、条件、タグ条件のいずれかで指定してください',
    "must be a list of two values, [low, high]": "[下限, 上限] の 2 つの値のリストで指定してください",
    "must be a non-empty list of conditions or groups": "条件またはグループのリスト（1 件以上）で指定してください",
    "must be a non-empty list of values": "値のリスト（1 件以上）で指定してください",
    "must be a string naming a contact field or properties.KEY":
        "コンタクトの項目名または properties.KEY を文字列で指定してください",
    'must be an ISO 8601 date or time such as 2026-04-01 or 2026-04-01T09:00:00Z, or {{"days_ago": n}}':
        '2026-04-01 や 2026-04-01T09:00:00Z のような ISO 8601 形式の日付・日時、'
        'または {{"days_ago": n}} で指定してください',
    "must be an object with include and/or exclude tag lists":
        "include と exclude のいずれかまたは両方のタグリストを持つオブジェクトで指定してください",
    "must be any or all": "any または all を指定してください",
    "must be at most {MAX_VALUE_LENGTH} characters": "{MAX_VALUE_LENGTH} 文字以内で指定してください",
    "must be omitted for {op}": "{op} では指定しないでください",
    "must be one of {', '.join(OPS)}": "{', '.join(OPS)} のいずれかを指定してください",
    "must be one of: {', '.join(field.choices)}": "次のいずれかを指定してください: {', '.join(field.choices)}",
    'must be {{"days_ago": n}} with n a whole number from 0 to {MAX_DAYS_AGO}':
        '{{"days_ago": n}} の n には 0〜{MAX_DAYS_AGO} の整数を指定してください',
    "must contain digits, such as 03-1234-5678": "03-1234-5678 のように数字を含めてください",
    "must list at most {MAX_IN_VALUES} values": "値は {MAX_IN_VALUES} 個までです",
    "needs at least one tag in include or exclude": "include または exclude にタグを 1 つ以上指定してください",
    "patterns and wildcards are not supported; use prefix or contains with plain text":
        "パターンやワイルドカードは使用できません。prefix または contains で通常のテキストを指定してください",
    "{message}; use exists or not_exists to test for a value":
        "{message}。値の有無を調べるには exists または not_exists を使用してください",

    # --- segments, templates, tags and properties ---------------------------------------------------
    "is not a segment field": "セグメントの項目ではありません",
    "is required: 1 to 100 characters": "必須項目です。1〜100 文字で指定してください",
    'is required: a condition, or {{"and": [...]}} / {{"or": [...]}}':
        '必須項目です。条件、または {{"and": [...]}} / {{"or": [...]}} で指定してください',
    "is not a template field": "テンプレートの項目ではありません",
    "is not a tag field": "タグの項目ではありません",
    "is not a property field": "プロパティの項目ではありません",
    "a select property needs a non-empty list of options": "選択型のプロパティには選択肢のリスト（1 件以上）が必要です",
    "a tenant can define at most {MAX_PROPERTIES} properties": "定義できるプロパティは {MAX_PROPERTIES} 個までです",
    "at most {MAX_OPTIONS} options": "選択肢は {MAX_OPTIONS} 個までです",
    "cannot be changed (only label, options and archived)":
        "変更できません（変更できるのは label、options、archived のみです）",
    "must start with a-z and contain only a-z, 0-9 and _ (at most 64)":
        "英小文字で始め、英小文字・数字・_ のみの 64 文字以内で指定してください",
    "only a select property has options": "選択肢を持てるのは選択型のプロパティのみです",

    # --- settings, members, keys and notifications --------------------------------------------------
    "'{name}' is not a contact field or property": "'{name}' はコンタクトの項目でもプロパティでもありません",
    "activity types must be 1 to 64 characters": "アクティビティの種類は 1〜64 文字で指定してください",
    "is not a setting": "設定項目ではありません",
    "must be a list of field names": "項目名のリストで指定してください",
    "must be a list of roles among {', '.join(ROLES)}": "{', '.join(ROLES)} から選んだロールのリストで指定してください",
    "must be a whole number from -1000 to 1000": "-1000〜1000 の整数で指定してください",
    "must be above active": "active より大きい値を指定してください",
    "must be an object of activity type → points": "アクティビティの種類 → 点数のオブジェクトで指定してください",
    "must be null (no limit) or a whole number from 1 to {MAX_CONTACT_LIMIT:,}":
        "null（上限なし）または 1〜{MAX_CONTACT_LIMIT:,} の整数で指定してください",
    'must be {{"hot": n, "active": m}}, whole numbers from 0':
        '{{"hot": n, "active": m}} の形で、0 以上の整数を指定してください',
    "The owner must be a member of this workspace, or null for no owner.":
        "担当者にはこのワークスペースのメンバーを指定するか、担当者なしの場合は null を指定してください。",
    "is not a field a member change takes": "メンバーの変更で指定できる項目ではありません",
    "is not a field of an invitation": "招待の項目ではありません",
    "is not the id of a member of this workspace": "このワークスペースのメンバーの ID ではありません",
    "is not a notification field": "通知の項目ではありません",
    "is not an API key field": "API キーの項目ではありません",
    'is required: what uses this key, e.g. "website forms"':
        "必須項目です。このキーの用途を指定してください（例: 「Web サイトのフォーム」）",
    "is not a site key field": "サイトキーの項目ではありません",
    'is required: 1 to 100 characters, e.g. "corporate site"':
        "必須項目です。1〜100 文字で指定してください（例: 「コーポレートサイト」）",
    'must be an origin such as "https://www.example.jp" or "https://*.example.jp" (no path)':
        "「https://www.example.jp」や「https://*.example.jp」のようなオリジンで指定してください（パスは不要です）",
    'must list 1 to {MAX_ORIGINS} origins such as "https://www.example.jp"':
        "「https://www.example.jp」のようなオリジンを 1〜{MAX_ORIGINS} 個指定してください",
    'must name a domain of its own after *. ("https://*.example.co.jp"), not a public suffix such as "co.jp" or "com"':
        "*. の後には独自のドメインを指定してください（「https://*.example.co.jp」など）。「co.jp」や「com」のような公開サフィックスは指定できません",

    # --- web collection and ingest ------------------------------------------------------------------
    "The body must be a JSON object from the collect.js snippet.":
        "本文は collect.js スニペットから送信された JSON オブジェクトにしてください。",
    'The body must be {{"events": [...]}}.': '本文は {{"events": [...]}} の形にしてください。',
    "is not a field of a hit": "ヒットの項目ではありません",
    "is only sent with form_submitted": "form_submitted の場合のみ送信できます",
    "is required for form_submitted": "form_submitted の場合は必須です",
    "must be 16 to 64 characters of A-Z, a-z, 0-9, - and _": "A-Z、a-z、0-9、-、_ の 16〜64 文字で指定してください",
    "must be an http(s) URL or empty": "http(s) の URL を指定するか、空にしてください",
    "must be page_view or form_submitted": "page_view または form_submitted を指定してください",
    "must be the page's http(s) URL": "ページの http(s) URL を指定してください",

    # --- member groups (会員グループ) -----------------------------------------------------------------
    "No member group with id {group_id} exists.": "ID が {group_id} の会員グループは存在しません。",
    "This member group is being joined by others right now; retry in a moment.":
        "この会員グループは現在ほかの操作で使用中です。しばらくしてから再度お試しください。",
    "The member group was deleted meanwhile; contacts were not added to it.":
        "処理中に会員グループが削除されたため、コンタクトは追加されませんでした。",
    "Your role ({self.role}) cannot manage member groups; ask a manager, admin or owner.":
        "あなたのロール（{self.role}）では会員グループを管理できません。マネージャー、管理者またはオーナーに依頼してください。",
    "The contact {contact_id} is not in this member group.":
        "コンタクト {contact_id} はこの会員グループに所属していません。",
    "delete a member group": "会員グループを削除する",
    "is not a member group field": "会員グループの項目ではありません",
    "is required: 1 to {MAX_NAME_LENGTH} characters": "必須項目です。1〜{MAX_NAME_LENGTH} 文字で指定してください",
    "is not the id of one of your member groups": "登録済みの会員グループの ID ではありません",
    "is required: the id of one of your member groups": "必須項目です。会員グループの ID を指定してください",
    "is not a field of this request": "このリクエストで指定できる項目ではありません",
    "must hold at most {MAX_IDS:,} ids": "ID は {MAX_IDS:,} 件以内で指定してください",
    "there is no member group named {part}": "{part} という名前の会員グループはありません",
    "a contact can be in at most {group_rules.MAX_GROUPS_PER_CONTACT} member groups":
        "コンタクトが所属できる会員グループは {group_rules.MAX_GROUPS_PER_CONTACT} 個までです",
    "is not a member group this site's forms may join (web_form_joinable)":
        "このサイトのフォームから参加できる会員グループではありません（web_form_joinable）",
    "The email address or the password is wrong, or this address has no member login here.":
        "メールアドレスまたはパスワードが違うか、このアドレスにはこのサイトの会員ログインがありません。",
    "This contact has no email address; add one before inviting it.":
        "このコンタクトにはメールアドレスがありません。招待する前に追加してください。",
    "is required to sign in to the member site": "会員サイトへのログインに必要です",
    "This contact has signed in to the member site already; it needs no invitation.":
        "このコンタクトは既に会員サイトにログインしています。招待は不要です。",
    "Cognito does not take this email address as a login.": "このメールアドレスは会員ログインとして登録できません。",
    "must be at least 8 characters with lower-case letters and digits":
        "英小文字と数字を含む 8 文字以上で指定してください",
    "The sign-in session is wrong or has expired; sign in again with the temporary password.":
        "ログインのセッションが正しくないか期限切れです。仮パスワードでもう一度ログインしてください。",
    "must be the session the sign-in answered with its challenge":
        "ログインの応答で返された session を指定してください",
    "is required: a non-empty string": "必須項目です。空でない文字列を指定してください",
    "This contact has no member login yet; invite it first.":
        "このコンタクトにはまだ会員ログインがありません。先に招待してください。",
}
