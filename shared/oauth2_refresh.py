"""An OAuth2 mailbox's access token: the stored refresh token traded at the provider's token
endpoint (RFC 6749 section 6), for the IMAP login with SASL XOAUTH2 (Gmail, Microsoft 365).

As for the mail servers (shared.smtp_transport), the endpoint's host is resolved and checked once
and the connection goes to those addresses, certificates always verified, within the caller's
deadline. A refusal becomes ImapFailed with a reason the person who linked the mailbox can act on.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from shared.domain.mailbox import OAuth2Client
from shared.errors import TransportFailed
from shared.imap_transport import ImapFailed
from shared.smtp_transport import connect_first, resolve

MAX_ANSWER_BYTES = 64 * 1024


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str | None  # a new refresh token when the provider rotates it (Microsoft does), else None


def _connection(url: str, addresses: list[str], deadline: float, ca_file: str | None) -> http.client.HTTPConnection:
    parts = urlsplit(url)

    def left() -> float:
        return max(deadline - time.monotonic(), 0.1)

    timeout = left()
    if parts.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            cast(str, parts.hostname), parts.port or 443, timeout=timeout,  # a validated token_url has a host
            context=ssl.create_default_context(cafile=ca_file))
    else:
        connection = http.client.HTTPConnection(cast(str, parts.hostname), parts.port or 80, timeout=timeout)
    port = connection.port

    def pinned(_address: tuple[str, int], _timeout: float | None = None, _source: Any = None) -> socket.socket:
        return connect_first(addresses, port, left)

    # http.client makes its socket through this attribute (its own hook); TLS still verifies the host name
    connection._create_connection = pinned  # type: ignore[attr-defined]
    return connection


def _refused(answer: dict[str, Any], status: int) -> ImapFailed:
    reason = str(answer.get("error") or f"HTTP {status}")[:100]
    if reason == "invalid_grant":
        return ImapFailed("The mail provider no longer accepts the stored OAuth2 refresh token (invalid_grant: it was "
                          "revoked or has expired). Link the mailbox again with a new refresh token.")
    return ImapFailed(f"The mail provider's token endpoint refused the OAuth2 refresh ({reason}). Check the client id, "
                      "client secret and refresh token of IMAP in your mailbox settings.")


def access_token(client: OAuth2Client, client_secret: str | None, refresh_token: str, *, deadline: float,
                 allow_private_hosts: bool, ca_file: str | None = None) -> Tokens:
    """Trades the refresh token for an access token by `deadline` (time.monotonic())."""
    parts = urlsplit(client.token_url)
    host = str(parts.hostname)  # a token URL is stored only with its host
    try:
        addresses = resolve(host, parts.port or 443, allow_private_hosts, server="OAuth2 token")
    except TransportFailed as failed:
        raise ImapFailed(str(failed)) from failed
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client.client_id,
            **({"client_secret": client_secret} if client_secret else {}),
            **({"scope": client.scope} if client.scope else {})}
    connection = _connection(client.token_url, addresses, deadline, ca_file)
    try:
        connection.request("POST", parts.path or "/", body=urlencode(form),
                           headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        response = connection.getresponse()
        status, body = response.status, response.read(MAX_ANSWER_BYTES)
    except (OSError, http.client.HTTPException) as error:
        raise ImapFailed(f"The mail provider's token endpoint {host} could not be reached "
                         f"({getattr(error, 'strerror', None) or error}).") from error
    finally:
        connection.close()
    try:
        answer = json.loads(body)
    except ValueError:
        answer = {}
    if not isinstance(answer, dict):
        answer = {}
    token = answer.get("access_token")
    if status != 200 or not isinstance(token, str) or not token:
        raise _refused(answer, status)
    rotated = answer.get("refresh_token")
    return Tokens(access_token=token, refresh_token=rotated if isinstance(rotated, str) and rotated != refresh_token
                  else None)
