"""Where moto's Cognito user pools answer otherwise than Cognito, on the paths the stack meets.

- Signing in as an unknown user: moto answers UserNotFoundException ("User does not exist."), which
  tells a caller whether an email has an account. An app client with PreventUserExistenceErrors
  ENABLED (template.yaml's) answers NotAuthorizedException "Incorrect username or password." as for
  a wrong password
  (https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html).
- Answering a challenge with a session Cognito did not give, or gave another user: moto answers
  ResourceNotFoundException for the first (which in Cognito means a missing pool or client) and
  takes the second, setting the named user's password. Cognito binds a challenge's session to the
  user it challenged and refuses any other with NotAuthorizedException ("Invalid session for the
  user": https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminRespondToAuthChallenge.html,
  Session: "the session that should be passed both ways in challenge-response calls").
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Patch moto's InitiateAuth, AdminInitiateAuth and RespondToAuthChallenge (once)."""
    from moto.cognitoidp.exceptions import NotAuthorizedError, UserNotFoundError
    from moto.cognitoidp.models import CognitoIdpBackend

    if getattr(CognitoIdpBackend, "realism_installed", False):
        return
    CognitoIdpBackend.realism_installed = True
    initiate_auth, admin_initiate_auth = CognitoIdpBackend.initiate_auth, CognitoIdpBackend.admin_initiate_auth

    def hides_users(backend: CognitoIdpBackend, client_id: str) -> bool:
        client = next((pool.clients[client_id] for pool in backend.user_pools.values() if client_id in pool.clients),
                      None)
        return client is not None and client.extended_config.get("PreventUserExistenceErrors") == "ENABLED"

    def user_not_found_as_a_wrong_password(sign_in: Any) -> Any:
        def signed_in(self: CognitoIdpBackend, *args: Any, **kwargs: Any) -> Any:
            try:
                return sign_in(self, *args, **kwargs)
            except UserNotFoundError:
                client_id = kwargs.get("client_id", args[1] if sign_in is admin_initiate_auth else args[0])
                if hides_users(self, client_id):
                    raise NotAuthorizedError("Incorrect username or password.") from None
                raise

        return signed_in

    CognitoIdpBackend.initiate_auth = user_not_found_as_a_wrong_password(initiate_auth)
    CognitoIdpBackend.admin_initiate_auth = user_not_found_as_a_wrong_password(admin_initiate_auth)
    respond = CognitoIdpBackend.respond_to_auth_challenge  # AdminRespondToAuthChallenge calls it too

    def session_of_its_user(self: CognitoIdpBackend, session: str, client_id: str, challenge_name: str,
                            challenge_responses: dict[str, str]) -> Any:
        if challenge_name != "PASSWORD_VERIFIER":  # SRP carries its session in the responses
            challenged = self.sessions.get(session)
            if challenged is None or not same_user(self, challenged, (challenge_responses or {}).get("USERNAME")):
                raise NotAuthorizedError("Invalid session for the user.")
        return respond(self, session, client_id, challenge_name, challenge_responses)

    def same_user(backend: CognitoIdpBackend, challenged: tuple[str, Any], asked: str | None) -> bool:
        """Whether USERNAME names the challenged user (by its user name, or an alias such as its email)."""
        username, pool = challenged
        if asked == username:
            return True
        try:
            return asked is not None and \
                backend.admin_get_user(pool.id, asked).username == backend.admin_get_user(pool.id, username).username
        except UserNotFoundError:
            return False

    CognitoIdpBackend.respond_to_auth_challenge = session_of_its_user


COGNITO_TARGET_PREFIX = "AWSCognitoIdentityProviderService."


class BrowserCors:
    """WSGI middleware: Cognito's endpoint answers browsers' CORS, as cognito-idp does for the
    sign-in calls a web app makes from its own origin (InitiateAuth, RespondToAuthChallenge,
    RevokeToken; https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html,
    "client-side authentication flow"). moto's server cannot route a preflight, which carries no
    X-Amz-Target, to Cognito: it answered the browser's OPTIONS without any CORS header, so a
    browser could never sign in locally. This answers that preflight (any origin, the headers asked
    for) and adds Access-Control-Allow-Origin to Cognito's answers."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        origin = environ.get("HTTP_ORIGIN")
        if origin is None:
            return self._app(environ, start_response)
        asked = environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")
        if environ.get("REQUEST_METHOD") == "OPTIONS" and "x-amz-target" in asked.lower():
            start_response("200 OK", [
                ("Access-Control-Allow-Origin", origin),
                ("Access-Control-Allow-Methods", "POST"),
                ("Access-Control-Allow-Headers", asked),
                ("Access-Control-Max-Age", "600"),
                ("Vary", "Origin"),
                ("Content-Length", "0"),
            ])
            return [b""]
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(COGNITO_TARGET_PREFIX):
            return self._app(environ, start_response)

        def with_origin(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept = [(name, value) for name, value in headers if name.lower() != "access-control-allow-origin"]
            return start_response(status, [*kept, ("Access-Control-Allow-Origin", origin), ("Vary", "Origin")],
                                  exc_info)

        return self._app(environ, with_origin)
