/** /settings/mailbox (every role: the member's own): the SMTP server their one-to-one mail goes out
 * through (`transport: "smtp"`). 接続テスト tries the form's settings (POST /v1/me/mailbox/test:
 * login, then quit) before anything is saved; the password is write-only (設定済み, and left empty
 * it is kept). The server's fields are one fieldset so that the receiving (IMAP) server can be
 * added beside it the same way. */
import { useState } from "preact/hooks";
import { api, ApiError, unwrap } from "../../api/client";
import type { Mailbox as MailboxSettings, MailboxInput } from "../../api/types";
import { defineMessages, useMessages } from "../../i18n";
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
  },
);

const SECURITIES = ["tls", "starttls", "none"] as const;
type Security = (typeof SECURITIES)[number];
/** The server fields as the form holds them (text as typed). */
type ServerForm = { host: string; port: string; security: Security; username: string; password: string };
const FIELDS = ["host", "port", "security", "username", "password"];

function formOf(stored: MailboxSettings | null): ServerForm {
  return {
    host: stored?.host ?? "", port: stored ? String(stored.port) : "", security: (stored?.security as Security | undefined) ?? "starttls",
    username: stored?.username ?? "", password: "",
  };
}

/** PUT's (and the test's) body: an empty port is the security's default, an empty password keeps the stored one. */
function bodyOf(form: ServerForm): MailboxInput {
  return {
    host: form.host.trim(), port: form.port.trim() === "" ? null : Number(form.port), security: form.security,
    username: form.username.trim(), ...(form.password ? { password: form.password } : {}),
  };
}

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
  const [form, setForm] = useState<ServerForm>(formOf(stored));
  const [tested, setTested] = useState(false);
  const [removing, setRemoving] = useState(false);
  const check = useAction();
  const saving = useAction();
  const error = check.error ?? saving.error;
  const portInvalid = form.port.trim() !== "" && !/^\d{1,5}$/.test(form.port.trim());

  const change = (field: keyof ServerForm) => (event: Event) => {
    setForm({ ...form, [field]: (event.currentTarget as HTMLInputElement).value });
    setTested(false);
  };

  function test() {
    setTested(false);
    saving.setError(null);
    return check.run(async () => {
      await unwrap(api.POST("/v1/me/mailbox/test", { body: bodyOf(form) }));
      setTested(true);
    });
  }

  function save(event: Event) {
    event.preventDefault();
    if (portInvalid) return;
    setTested(false);
    check.setError(null);
    return saving.run(async () => {
      const saved = await unwrap(api.PUT("/v1/me/mailbox", { body: bodyOf(form) }));
      setForm(formOf(saved));
      onStored(saved);
      announce(t("savedDone"));
    });
  }

  const errors = (field: string) => (field === "port" && portInvalid ? [t("invalidPort")] : messagesFor(error, field));
  return (
    <>
      <form onSubmit={save} noValidate>
        {!stored && <p class="notice">{t("notSet")}</p>}
        <FormError error={error} fields={FIELDS} />
        <p class={tested ? "test-ok" : "test-idle"} role="status">{tested ? t("testOk") : ""}</p>
        <fieldset class="server-fields">
          <legend>{t("smtp")}</legend>
          <Field id="smtp-host" label={t("host")} hint={t("hostHint")} errors={errors("host")}>
            {(described) => <input {...described} value={form.host} onInput={change("host")} autocomplete="off" spellcheck={false} required />}
          </Field>
          <Field id="smtp-port" label={t("port")} hint={t("portHint")} errors={errors("port")}>
            {(described) => <input {...described} class="port" value={form.port} onInput={change("port")} inputMode="numeric" autocomplete="off" />}
          </Field>
          <fieldset class="choices" aria-describedby="smtp-security-hint">
            <legend>{t("security")}</legend>
            {SECURITIES.map((security) => (
              <label class="choice" key={security}>
                <input type="radio" name="smtp-security" value={security} checked={form.security === security}
                  onChange={() => { setForm({ ...form, security }); setTested(false); }} />
                {t(security)}
              </label>
            ))}
            <p class="muted field-hint" id="smtp-security-hint">{t("noneHint")}</p>
            <DetailErrors error={error} field="security" />
          </fieldset>
          <Field id="smtp-username" label={t("username")} errors={errors("username")}>
            {(described) => <input {...described} value={form.username} onInput={change("username")} autocomplete="off" spellcheck={false} required />}
          </Field>
          <Field id="smtp-password" label={t("password")} hint={stored ? t("passwordSet") : t("passwordNew")} errors={errors("password")}>
            {(described) => (
              <input {...described} type="password" value={form.password} onInput={change("password")} autocomplete="new-password" />
            )}
          </Field>
        </fieldset>
        <div class="actions">
          <button type="button" onClick={test} disabled={check.busy || saving.busy || portInvalid}>{check.busy ? t("testing") : t("test")}</button>
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
