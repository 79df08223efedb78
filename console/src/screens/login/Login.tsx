/** /login: email and password against the stack's Cognito pool; an invited member then chooses
 * a new password (the NEW_PASSWORD_REQUIRED challenge). Once signed in, /contacts opens. */
import { useState } from "preact/hooks";
import { useLocation } from "preact-iso";
import { answerNewPassword, CognitoError, signIn, type SignInResult } from "../../auth/cognito";
import { authConfig, startSession } from "../../auth/session";
import { defineMessages, useMessages } from "../../i18n";
import { usePageTitle } from "../../ui/title";

const messages = defineMessages(
  {
    title: "ログイン",
    email: "メールアドレス",
    password: "パスワード",
    signIn: "ログイン",
    newPasswordTitle: "新しいパスワードを設定",
    newPasswordHelp: "招待されたアカウントです。次回から使うパスワードを決めてください（8文字以上、英大文字・小文字・数字を含む）。",
    newPassword: "新しいパスワード",
    save: "設定してログイン",
    busy: "確認しています…",
    NotAuthorizedException: "メールアドレスまたはパスワードが正しくありません。",
    UserNotFoundException: "メールアドレスまたはパスワードが正しくありません。",
    InvalidPasswordException: "このパスワードは使えません: {message}",
    PasswordResetRequiredException: "パスワードの再設定が必要です。管理者に連絡してください。",
    TooManyRequestsException: "試行回数が多すぎます。しばらく待ってからもう一度お試しください。",
    UserNotConfirmedException: "アカウントがまだ有効になっていません。",
    unknown: "ログインできませんでした: {message}",
  },
  {
    title: "Sign in",
    email: "Email",
    password: "Password",
    signIn: "Sign in",
    newPasswordTitle: "Choose a new password",
    newPasswordHelp: "You were invited: choose the password you will use from now on (8 characters or more, with upper and lower case letters and a digit).",
    newPassword: "New password",
    save: "Save and sign in",
    busy: "Checking…",
    NotAuthorizedException: "The email or the password is not right.",
    UserNotFoundException: "The email or the password is not right.",
    InvalidPasswordException: "This password cannot be used: {message}",
    PasswordResetRequiredException: "Your password must be reset: ask an administrator.",
    TooManyRequestsException: "Too many attempts: wait a moment and try again.",
    UserNotConfirmedException: "This account is not confirmed yet.",
    unknown: "Could not sign in: {message}",
  },
);

type Key = keyof typeof messages.ja;

export function cognitoMessage(error: unknown, t: (key: Key, params?: Record<string, string>) => string): string {
  if (error instanceof CognitoError && error.type in messages.ja) return t(error.type as Key, { message: error.message });
  return t("unknown", { message: error instanceof Error ? error.message : String(error) });
}

export function Login({ onSignedIn }: { onSignedIn: () => Promise<void> }) {
  const t = useMessages(messages);
  const { route } = useLocation();
  usePageTitle(t("title"));
  const [challenge, setChallenge] = useState<{ username: string; session: string } | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  async function finish(result: SignInResult) {
    if (result.kind === "new_password_required") {
      setChallenge({ username: result.username, session: result.session });
      return;
    }
    startSession(result.tokens);
    await onSignedIn();
    route("/contacts");
  }

  async function submit(event: Event, action: (form: FormData) => Promise<SignInResult>) {
    event.preventDefault();
    setBusy(true);
    setError("");
    try {
      await finish(await action(new FormData(event.currentTarget as HTMLFormElement)));
    } catch (failure) {
      setError(cognitoMessage(failure, t));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="login">
      <div class="login-card">
        <h1>{challenge ? t("newPasswordTitle") : t("title")}</h1>
        {challenge ? (
          <form
            onSubmit={(event) =>
              submit(event, async (form) =>
                answerNewPassword(await authConfig(), challenge.username, challenge.session, String(form.get("new_password"))))}
          >
            <p id="new-password-help">{t("newPasswordHelp")}</p>
            <label for="new-password">{t("newPassword")}</label>
            <input id="new-password" name="new_password" type="password" autocomplete="new-password" required minLength={8}
              aria-describedby="new-password-help" />
            <button type="submit" class="primary" disabled={busy}>{busy ? t("busy") : t("save")}</button>
          </form>
        ) : (
          <form
            onSubmit={(event) =>
              submit(event, async (form) => signIn(await authConfig(), String(form.get("email")).trim(), String(form.get("password"))))}
          >
            <label for="email">{t("email")}</label>
            <input id="email" name="email" type="email" autocomplete="username" required />
            <label for="password">{t("password")}</label>
            <input id="password" name="password" type="password" autocomplete="current-password" required />
            <button type="submit" class="primary" disabled={busy}>{t("signIn")}</button>
          </form>
        )}
        {error && <p class="error-summary" role="alert">{error}</p>}
      </div>
    </main>
  );
}

