/** Sign-in with the stack's Cognito user pool, straight from the browser (Cognito's JSON API).
 *
 * USER_PASSWORD_AUTH over HTTPS (the app client allows it, as well as SRP), the NEW_PASSWORD_REQUIRED
 * challenge of an invited member, REFRESH_TOKEN_AUTH before the ID token expires.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_InitiateAuth.html
 */
import type { AuthConfig } from "../api/types";

export interface Tokens {
  idToken: string;
  refreshToken: string;
  /** epoch milliseconds when the ID token expires */
  expiresAt: number;
}

export type SignInResult =
  | { kind: "signed_in"; tokens: Tokens }
  | { kind: "new_password_required"; username: string; session: string };

/** A refusal by Cognito: `type` is its exception name (NotAuthorizedException, InvalidPasswordException…). */
export class CognitoError extends Error {
  constructor(readonly type: string, message: string) {
    super(message);
  }
}

export function cognitoEndpoint(config: AuthConfig): string {
  return config.cognito_endpoint || `https://cognito-idp.${config.region}.amazonaws.com/`;
}

async function call(config: AuthConfig, action: string, body: unknown): Promise<Record<string, any>> {
  const response = await fetch(cognitoEndpoint(config), {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const type = String(answer.__type ?? answer.code ?? "UnknownError").split("#").pop() as string;
    throw new CognitoError(type, String(answer.message ?? answer.Message ?? response.statusText));
  }
  return answer;
}

/** The `exp` claim of a JWT, in epoch milliseconds (0 when unreadable). */
export function tokenExpiry(jwt: string): number {
  const claims = decodeClaims(jwt);
  return typeof claims.exp === "number" ? claims.exp * 1000 : 0;
}

export function decodeClaims(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1];
  if (!payload) return {};
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(payload.length / 4) * 4, "=");
    const bytes = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

function tokensOf(result: Record<string, any>, refreshToken?: string): Tokens {
  const idToken = String(result.IdToken);
  return { idToken, refreshToken: String(result.RefreshToken ?? refreshToken ?? ""), expiresAt: tokenExpiry(idToken) };
}

function signedInOrChallenge(answer: Record<string, any>, username: string): SignInResult {
  if (answer.AuthenticationResult) return { kind: "signed_in", tokens: tokensOf(answer.AuthenticationResult) };
  if (answer.ChallengeName === "NEW_PASSWORD_REQUIRED") {
    const challengeUser = answer.ChallengeParameters?.USER_ID_FOR_SRP;
    return { kind: "new_password_required", username: String(challengeUser || username), session: String(answer.Session) };
  }
  throw new CognitoError("UnsupportedChallenge", String(answer.ChallengeName ?? "no tokens"));
}

export async function signIn(config: AuthConfig, email: string, password: string): Promise<SignInResult> {
  const answer = await call(config, "InitiateAuth", {
    AuthFlow: "USER_PASSWORD_AUTH",
    ClientId: config.client_id,
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  return signedInOrChallenge(answer, email);
}

export async function answerNewPassword(config: AuthConfig, username: string, session: string, newPassword: string): Promise<SignInResult> {
  const answer = await call(config, "RespondToAuthChallenge", {
    ChallengeName: "NEW_PASSWORD_REQUIRED",
    ClientId: config.client_id,
    Session: session,
    ChallengeResponses: { USERNAME: username, NEW_PASSWORD: newPassword },
  });
  return signedInOrChallenge(answer, username);
}

export async function refresh(config: AuthConfig, refreshToken: string): Promise<Tokens> {
  const answer = await call(config, "InitiateAuth", {
    AuthFlow: "REFRESH_TOKEN_AUTH",
    ClientId: config.client_id,
    AuthParameters: { REFRESH_TOKEN: refreshToken },
  });
  return tokensOf(answer.AuthenticationResult ?? {}, refreshToken);
}

/** Revokes the refresh token (sign-out everywhere it was used); a failure leaves only a local sign-out. */
export async function revoke(config: AuthConfig, refreshToken: string): Promise<void> {
  await call(config, "RevokeToken", { ClientId: config.client_id, Token: refreshToken }).catch(() => undefined);
}
