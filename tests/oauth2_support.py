"""An OAuth2 authorization server's two endpoints the XOAUTH2 mailbox sync meets, on loopback:
the token endpoint (RFC 6749 section 6: a refresh token for an access token, the refresh token
rotated when asked, as Microsoft's is) and the introspection endpoint (RFC 7662) that Dovecot's
oauth2 passdb asks about each bearer token. Google's and Microsoft's endpoints are out of reach
here; these answer as theirs do, errors included (`invalid_grant`, `invalid_client`)."""

from __future__ import annotations

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

CLIENT_ID = "crm-test-client"
CLIENT_SECRET = "crm-test-client-secret"


class AuthorizationServer:
    def __init__(self) -> None:
        self.refresh_tokens: dict[str, str] = {}  # refresh token → user
        self.access_tokens: dict[str, str] = {}  # access token → user
        self.grants: list[dict[str, str]] = []  # every form the token endpoint took
        self.rotate = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                form = {name: values[0] for name, values in parse_qs(
                    self.rfile.read(int(self.headers["Content-Length"])).decode()).items()}
                status, answer = (server._token(form) if self.path == "/token" else server._introspect(form)
                                  if self.path == "/introspect" else (404, {}))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._http.server_address[1]}"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def consent(self, user: str) -> str:
        """A refresh token for `user`, as the provider's consent screen gives one."""
        token = secrets.token_urlsafe(24)
        self.refresh_tokens[token] = user
        return token

    def revoke(self, refresh_token: str) -> None:
        self.refresh_tokens.pop(refresh_token)

    def _token(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        self.grants.append(form)
        if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            return 401, {"error": "invalid_client"}
        user = self.refresh_tokens.get(form.get("refresh_token", "")) if form.get("grant_type") == "refresh_token" \
            else None
        if user is None:
            return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        access = secrets.token_urlsafe(24)
        self.access_tokens[access] = user
        answer: dict[str, object] = {"access_token": access, "token_type": "Bearer", "expires_in": 3599}
        if self.rotate:
            self.revoke(form["refresh_token"])
            answer["refresh_token"] = self.consent(user)
        return 200, answer

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, object]]:
        user = self.access_tokens.get(form.get("token", ""))
        return 200, {"active": True, "username": user} if user else {"active": False}

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
