/** /settings/mailbox (every role: the member's own): the SMTP server their one-to-one mail goes out
 * through (`transport: "smtp"`), and the IMAP server whose inbox and Sent folder the mailbox sync
 * files on the contacts (Digima's メールボックス連携). 接続テスト tries the SMTP settings (POST
 * /v1/me/mailbox/test: login, then quit) before anything is saved; passwords are write-only (設定済み,
 * and left empty they are kept). 今すぐ同期 runs a sync (POST /v1/me/mailbox/sync) and shows its state. */
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Mailbox as MailboxSettings, MailboxInput } from "../../api/types";
import { defineMessages, formatDateTime, useMessages } from "../../i18n";
import { Loading, LoadError } from "../../ui/states";
import { announce, ConfirmRemoval, DetailErrors, Field, FormError, messagesFor, refocus, SaveButton } from "../../ui/forms";
import { useAction, useLoaded } from "../../lib/async";

const words = defineMessages(
  {
    heading: "メールボックス",
    help: "自分のメールサーバー経由で個別メールを送るための設定です。あなた専用の設定で、ほかのメンバーには使われません。保存する前に「接続テスト」で確かめられます。",
    notSet: "まだ設定されていません。メールサーバーの情報はメールの管理者かプロバイダーにご確認ください。",
    smtp: "送信サーバー (SMTP)",
    host: "ホスト",
    hostHint: "例: smtp.example.co.jp",
    port: "ポート",
    portHint: "空欄なら標準（SSL/TLS 465、STARTTLS 587）",
    security: "暗号化",
    tls: "SSL/TLS",
    starttls: "STARTTLS",
    none: "なし",
    noneHint: "暗号化なしは、このマシン上のサーバー（localhost）にだけ使えます。",
    username: "ユーザー名",
    password: "パスワード",
    passwordSet: "設定済みです。変更するときだけ入力してください（空欄のままなら今のパスワードを使います）。",
    passwordNew: "初めて保存するときは必須です。",
    test: "接続テスト",
    testing: "接続しています…",
    testOk: "接続できました。ログインにも成功しました（まだ保存されていません）。",
    savedDone: "メールボックスを保存しました。",
    remove: "設定を削除",
    removeTitle: "メールボックスの設定を削除",
    removeText: "メールボックスの設定とパスワードを削除します。自分のメールサーバー経由での送信（予約済みのものを含む）はできなくなります。",
    removeConfirm: "削除する",
    removed: "メールボックスの設定を削除しました。",
    invalidPort: "1〜65535 の整数で入力してください。",
    imap: "受信サーバー (IMAP)",
    imapHelp: "設定すると、受信トレイと送信済みフォルダーのメールのうち顧客とのやり取りが、5 分ごとに自動で取り込まれます。ホストを空欄にして保存すると連携を解除します。",
    imapHostHint: "例: imap.example.co.jp",
    imapPortHint: "空欄なら標準（SSL/TLS 993、STARTTLS 143）",
    sync: "今すぐ同期",
    syncing: "同期しています…",
    syncDone: "同期が終わりました。",
    syncState: "同期の状態",
    lastSynced: "最終同期",
    neverSynced: "まだ同期していません",
    syncStatus: "状態",
    ok: "正常",
    error: "エラー",
    syncError: "エラーの内容",
  },
  {
    heading: "Mailbox",
    help: "Your own mail server, for one-to-one mail sent through it. It is yours alone; no other member uses it. Test the connection before you save.",
    notSet: "Not set up yet. Ask your mail administrator or provider for your mail server's details.",
    smtp: "Outgoing server (SMTP)",
    host: "Host",
    hostHint: "E.g. smtp.example.co.jp",
    port: "Port",
    portHint: "Empty: the default (SSL/TLS 465, STARTTLS 587)",
    security: "Security",
    tls: "SSL/TLS",
    starttls: "STARTTLS",
    none: "None",
    noneHint: "No encryption is allowed only for a server on this machine (localhost).",
    username: "Username",
    password: "Password",
    passwordSet: "Set. Type a new one only to change it (left empty, the current password is kept).",
    passwordNew: "Required the first time you save.",
    test: "Test connection",
    testing: "Connecting…",
    testOk: "Connected, and the login succeeded (nothing saved yet).",
    savedDone: "Your mailbox was saved.",
    remove: "Remove settings",
    removeTitle: "Remove mailbox settings",
    removeText: "Your mailbox settings and password will be removed: mail can no longer go out through your own server (scheduled mail included).",
    removeConfirm: "Remove",
    removed: "Your mailbox settings were removed.",
    invalidPort: "Enter a whole number from 1 to 65535.",
    imap: "Incoming server (IMAP)",
    imapHelp: "Once set, the mail of your inbox and Sent folder exchanged with contacts is filed automatically every 5 minutes. Save with an empty host to unlink it.",
    imapHostHint: "E.g. imap.example.co.jp",
    imapPortHint: "Empty: the default (SSL/TLS 993, STARTTLS 143)",
    sync: "Sync now",
    syncing: "Syncing…",
    syncDone: "The sync is over.",
    syncState: "Sync",
    lastSynced: "Last sync",
    neverSynced: "Not synced yet",
    syncStatus: "Status",
    ok: "OK",
    error: "Error",
    syncError: "What went wrong",
  },
);

const SECURITIES = ["tls", "starttls", "none"] as const;
type Security = (typeof SECURITIES)[number];
/** The server fields as the form holds them (text as typed). */
type ServerForm = { host: string; port: string; security: Security; username: string; password: string };
type Server = { host: string; port: number; security: string; username: string };
const FIELDS = ["host", "port", "security", "username", "password"];
const IMAP_FIELDS = ["imap", ...FIELDS.map((field) => `imap.${field}`)];

function formOf(stored: Server | null | undefined, security: Security): ServerForm {
  return {
    host: stored?.host ?? "", port: stored ? String(stored.port) : "", security: (stored?.security as Security | undefined) ?? security,
    username: stored?.username ?? "", password: "",
  };
}

/** A server's part of PUT's (and the test's) body: an empty port is the security's default, an empty password keeps the stored one. */
function serverBody(form: ServerForm) {
  return {
    host: form.host.trim(), port: form.port.trim() === "" ? null : Number(form.port), security: form.security,
    username: form.username.trim(), ...(form.password ? { password: form.password } : {}),
  };
}

/** PUT's body: the IMAP settings when a host is given; else null to unlink a linked mailbox, or nothing. */
function bodyOf(smtp: ServerForm, imap: ServerForm, linked: boolean): MailboxInput {
  const imapPart = imap.host.trim() ? { imap: serverBody(imap) } : linked ? { imap: null } : {};
  return { ...serverBody(smtp), ...imapPart };
}

const portInvalid = (form: ServerForm) => form.port.trim() !== "" && !/^\d{1,5}$/.test(form.port.trim());

export function Mailbox() {
  const t = useMessages(words);
  const loaded = useLoaded(async () => {
    try {
      return { stored: await unwrap(api.GET("/v1/me/mailbox")) };
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) return { stored: null };
      throw failure;
    }
  });
  if (loaded.error) return <LoadError error={loaded.error} retry={loaded.reload} />;
  if (!loaded.data) return <Loading />;
  return (
    <section aria-labelledby="mailbox-heading">
      <h2 id="mailbox-heading" tabIndex={-1}>{t("heading")}</h2>
      <p class="muted">{t("help")}</p>
      <MailboxForm key={loaded.data.stored ? "set" : "unset"} stored={loaded.data.stored}
        onStored={(stored) => loaded.setData({ stored })} />
    </section>
  );
}

function MailboxForm({ stored, onStored }: { stored: MailboxSettings | null; onStored: (stored: MailboxSettings | null) => void }) {
  const t = useMessages(words);
  const [smtp, setSmtp] = useState<ServerForm>(formOf(stored, "starttls"));
  const [imap, setImap] = useState<ServerForm>(formOf(stored?.imap, "tls"));
  const [tested, setTested] = useState(false);
  const [removing, setRemoving] = useState(false);
  const check = useAction();
  const saving = useAction();
  const syncing = useAction();
  const error = check.error ?? saving.error ?? syncing.error;
  const invalid = portInvalid(smtp) || (imap.host.trim() !== "" && portInvalid(imap));

  function test() {
    setTested(false);
    saving.setError(null);
    return check.run(async () => {
      await unwrap(api.POST("/v1/me/mailbox/test", { body: serverBody(smtp) }));
      setTested(true);
    });
  }

  function save(event: Event) {
    event.preventDefault();
    if (invalid) return;
    setTested(false);
    check.setError(null);
    return saving.run(async () => {
      const saved = await unwrap(api.PUT("/v1/me/mailbox", { body: bodyOf(smtp, imap, Boolean(stored?.imap)) }));
      setSmtp(formOf(saved, "starttls"));
      setImap(formOf(saved.imap, "tls"));
      onStored(saved);
      announce(t("savedDone"));
    });
  }

  function sync() {
    check.setError(null);
    saving.setError(null);
    return syncing.run(async () => {
      onStored(await unwrap(api.POST("/v1/me/mailbox/sync", {})));
      announce(t("syncDone"));
    });
  }

  return (
    <>
      <form onSubmit={save} noValidate>
        {!stored && <p class="notice">{t("notSet")}</p>}
        <FormError error={error} fields={[...FIELDS, ...IMAP_FIELDS]} />
        <p class={tested ? "test-ok" : "test-idle"} role="status">{tested ? t("testOk") : ""}</p>
        <ServerFields prefix="smtp" fieldPrefix="" legend={t("smtp")} hostHint={t("hostHint")} portHint={t("portHint")}
          form={smtp} passwordStored={Boolean(stored)} error={error} required
          onChange={(form) => { setSmtp(form); setTested(false); }} />
        <ServerFields prefix="imap" fieldPrefix="imap." legend={t("imap")} help={t("imapHelp")} hostHint={t("imapHostHint")}
          portHint={t("imapPortHint")} form={imap} passwordStored={Boolean(stored?.imap)} error={error} onChange={setImap}>
          {stored?.imap && <SyncState stored={stored} busy={syncing.busy} onSync={sync} />}
        </ServerFields>
        <div class="actions">
          <button type="button" onClick={test} disabled={check.busy || saving.busy || portInvalid(smtp)}>{check.busy ? t("testing") : t("test")}</button>
          <SaveButton busy={saving.busy} />
          {stored && <button type="button" class="danger" onClick={() => setRemoving(true)}>{t("remove")}</button>}
        </div>
      </form>
      {removing && (
        <ConfirmRemoval
          title={t("removeTitle")}
          text={t("removeText")}
          confirm={t("removeConfirm")}
          onClose={() => setRemoving(false)}
          remove={async () => {
            await unwrap(api.DELETE("/v1/me/mailbox"));
            setRemoving(false);
            onStored(null);
            announce(t("removed"));
            refocus("mailbox-heading");
          }}
        />
      )}
    </>
  );
}

/** One server's fieldset (SMTP or IMAP): host, port, security, username, write-only password. */
function ServerFields({ prefix, fieldPrefix, legend, help, hostHint, portHint, form, passwordStored, error, onChange, required = false, children }: {
  prefix: string;
  fieldPrefix: string;
  legend: string;
  help?: string;
  hostHint: string;
  portHint: string;
  form: ServerForm;
  passwordStored: boolean;
  error: unknown;
  onChange: (form: ServerForm) => void;
  required?: boolean;
  children?: ComponentChildren;
}) {
  const t = useMessages(words);
  const change = (field: keyof ServerForm) => (event: Event) => onChange({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
  const errors = (field: string) => (field === "port" && portInvalid(form) ? [t("invalidPort")] : messagesFor(error, fieldPrefix + field));
  return (
    <fieldset class="server-fields">
      <legend>{legend}</legend>
      {help && <p class="muted">{help}</p>}
      <Field id={`${prefix}-host`} label={t("host")} hint={hostHint} errors={errors("host")}>
        {(described) => <input {...described} value={form.host} onInput={change("host")} autocomplete="off" spellcheck={false} required={required} />}
      </Field>
      <Field id={`${prefix}-port`} label={t("port")} hint={portHint} errors={errors("port")}>
        {(described) => <input {...described} class="port" value={form.port} onInput={change("port")} inputMode="numeric" autocomplete="off" />}
      </Field>
      <fieldset class="choices" aria-describedby={`${prefix}-security-hint`}>
        <legend>{t("security")}</legend>
        {SECURITIES.map((security) => (
          <label class="choice" key={security}>
            <input type="radio" name={`${prefix}-security`} value={security} checked={form.security === security}
              onChange={() => onChange({ ...form, security })} />
            {t(security)}
          </label>
        ))}
        <p class="muted field-hint" id={`${prefix}-security-hint`}>{t("noneHint")}</p>
        <DetailErrors error={error} field={`${fieldPrefix}security`} />
      </fieldset>
      <Field id={`${prefix}-username`} label={t("username")} errors={errors("username")}>
        {(described) => <input {...described} value={form.username} onInput={change("username")} autocomplete="off" spellcheck={false} required={required} />}
      </Field>
      <Field id={`${prefix}-password`} label={t("password")} hint={passwordStored ? t("passwordSet") : t("passwordNew")} errors={errors("password")}>
        {(described) => (
          <input {...described} type="password" value={form.password} onInput={change("password")} autocomplete="new-password" />
        )}
      </Field>
      {children}
    </fieldset>
  );
}

/** The last sync's state (status, when, what went wrong) and 今すぐ同期. */
function SyncState({ stored, busy, onSync }: { stored: MailboxSettings; busy: boolean; onSync: () => void }) {
  const t = useMessages(words);
  return (
    <div class="sync-state" role="group" aria-label={t("syncState")}>
      <dl>
        <dt>{t("syncStatus")}</dt>
        <dd>{stored.status ? t(stored.status) : "—"}</dd>
        <dt>{t("lastSynced")}</dt>
        <dd>{stored.last_synced_at ? formatDateTime(stored.last_synced_at) : t("neverSynced")}</dd>
        {stored.error && <><dt>{t("syncError")}</dt><dd class="sync-error">{stored.error}</dd></>}
      </dl>
      <button type="button" onClick={onSync} disabled={busy}>{busy ? t("syncing") : t("sync")}</button>
    </div>
  );
}
