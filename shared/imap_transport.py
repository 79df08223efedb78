"""The user's own IMAP server, read by the mailbox sync (shared.services.mailbox_sync): its inbox
and its Sent folder, by UID, never marking a message read.

As for SMTP (shared.smtp_transport), the host's addresses are resolved and checked once and the
connection goes to them, certificates and host names are always verified, and the password never
travels in clear text except to a loopback server. Every network, TLS or IMAP problem becomes
ImapFailed with a reason a sales rep can act on, kept as the mailbox's sync `error`.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast

from shared.domain.mailbox import MailboxSettings
from shared.errors import TransportFailed
from shared.smtp_transport import connect_first, resolve

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

INBOX = "INBOX"
# Where mail clients keep sent mail when the server names no \Sent folder (RFC 6154 SPECIAL-USE).
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "[Gmail]/Sent Mail", "INBOX.Sent", "送信済み")
_CHECK_SETTINGS = "Check the host, port and security of IMAP in your mailbox settings (tls usually uses port 993)."
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?:"(?:[^"\\]|\\.)*"|NIL) (?P<name>.+)$')
_UID = re.compile(rb"\bUID (\d+)")


class ImapFailed(Exception):
    """The mailbox could not be read; the message says why, for the person who set it up."""


class _Pinned:
    """Connects to the addresses resolved and checked beforehand (shared.smtp_transport.resolve)
    rather than resolving the host again (TLS still verifies the host name), and keeps the whole
    conversation within one deadline, as shared.smtp_transport does: the connection and each
    line read or written get only the time left, so a server answering each step just in time
    cannot stretch a sync past it (POST /v1/me/mailbox/sync past API Gateway's 30 s)."""

    def __init__(self, addresses: list[str], deadline: float, **kwargs: object):
        self._addresses = addresses
        self._deadline = deadline  # time.monotonic() by which the conversation must be over
        super().__init__(**kwargs)

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the IMAP conversation ran out of time")
        return left

    def _plain_socket(self) -> socket.socket:
        return connect_first(self._addresses, self.port, self._left)  # type: ignore[attr-defined]

    def _within_deadline(self) -> None:
        if getattr(self, "sock", None) is not None:
            self.sock.settimeout(self._left())  # type: ignore[attr-defined]

    def readline(self) -> bytes:
        self._within_deadline()
        return cast(bytes, super().readline())  # type: ignore[misc]

    def read(self, size: int) -> bytes:
        self._within_deadline()
        return cast(bytes, super().read(size))  # type: ignore[misc]

    def send(self, data: ReadableBuffer) -> None:
        self._within_deadline()
        super().send(data)  # type: ignore[misc]


class _IMAP(_Pinned, imaplib.IMAP4):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        return self._plain_socket()


class _IMAPS(_Pinned, imaplib.IMAP4_SSL):
    def _create_socket(self, timeout: float | None) -> socket.socket:
        return cast(ssl.SSLSocket, self.ssl_context.wrap_socket(self._plain_socket(), server_hostname=self.host))


def _quoted(name: str) -> str:
    """A folder name as an IMAP quoted string (RFC 3501 section 4.3)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unquoted(name: bytes) -> str:
    name = name.strip()
    if name.startswith(b'"') and name.endswith(b'"'):
        name = re.sub(rb"\\(.)", rb"\1", name[1:-1])
    return name.decode("utf-8", "replace")


def _checked(answer: tuple[str, list[Any]]) -> list[Any]:
    status, data = answer
    if status != "OK":
        detail = b" ".join(item for item in data if isinstance(item, bytes)).decode("utf-8", "replace")[:200]
        raise imaplib.IMAP4.error(detail or status)
    return data


class Session:
    """One logged-in conversation with the user's IMAP server."""

    def __init__(self, client: imaplib.IMAP4):
        self._client = client

    def folders(self) -> list[tuple[str, bool]]:
        """(name, is the Sent folder) of the folders synced: the inbox, then the Sent folder (the
        one flagged \\Sent, else the first of the usual names) when there is one."""
        names: list[str] = []
        flagged = None
        for line in _checked(self._client.list()):
            match = _LIST_LINE.match(line) if isinstance(line, bytes) else None
            if match is None:
                continue  # a name sent as a literal: none of the folders we look for
            name = _unquoted(match.group("name"))
            names.append(name)
            if b"\\sent" in match.group("flags").lower().split():
                flagged = flagged or name
        sent = flagged or next((name for name in SENT_NAMES if name in names), None)
        return [(INBOX, False), *([(sent, True)] if sent else [])]

    def open_folder(self, name: str) -> int:
        """Selects the folder read-only (nothing is marked read); its UIDVALIDITY."""
        _checked(self._client.select(_quoted(name), readonly=True))
        _, values = self._client.response("UIDVALIDITY")
        return int(values[0]) if values and values[0] else 0

    def uids_after(self, uid: int, max_bytes: int) -> list[int]:
        """The UIDs above `uid` of messages of at most `max_bytes`, ascending ("n:*" always
        includes the highest UID, even below n: RFC 3501 section 6.4.8)."""
        data = _checked(self._client.uid("SEARCH", "UID", f"{uid + 1}:*", "NOT", "LARGER", str(max_bytes)))
        found = sorted({int(token) for token in b" ".join(data[:1] or [b""]).split()})
        return [found_uid for found_uid in found if found_uid > uid]

    def fetch(self, uids: list[int]) -> list[tuple[int, bytes]]:
        """(uid, raw message) of each of `uids` still there, in one round trip, unread flags untouched."""
        data = _checked(self._client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"))
        messages: list[tuple[int, bytes]] = []
        pending: tuple[bytes, bytes] | None = None
        for item in [*data, b""]:
            if pending is not None:
                found = _UID.search(pending[0]) or (_UID.search(item) if isinstance(item, bytes) else None)
                if found:
                    messages.append((int(found.group(1)), pending[1]))
                pending = None
            if isinstance(item, tuple):
                pending = item
        return messages


def _reason(error: BaseException, host: str, port: int) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return (f"The certificate of the IMAP server {host} could not be verified "
                f"({error.verify_message.rstrip('.')}). Check the host name in your mailbox settings.")
    if isinstance(error, ssl.SSLError):
        return f"The secure connection to the IMAP server {host} failed ({error.reason or error}). {_CHECK_SETTINGS}"
    if isinstance(error, TimeoutError):
        return f"The IMAP server {host} did not answer in time. {_CHECK_SETTINGS}"
    if isinstance(error, imaplib.IMAP4.abort):
        return (f"The IMAP server {host} closed the connection unexpectedly; "
                "the next sync resumes where this one stopped.")
    if isinstance(error, imaplib.IMAP4.error):
        return f"The IMAP server {host} answered with an error ({str(error)[:200]})."
    return f"Could not reach the IMAP server {host} on port {port} ({getattr(error, 'strerror', None) or error}). " \
           f"{_CHECK_SETTINGS}"


def xoauth2_answers(username: str, access_token: str) -> Callable[[bytes], bytes]:
    """imaplib's AUTHENTICATE callback for SASL XOAUTH2: the initial response
    (`user=…^Aauth=Bearer …^A^A`, https://developers.google.com/gmail/imap/xoauth2-protocol),
    then an empty line to the server's error challenge, after which it answers NO."""
    sent: list[bool] = []

    def answer(_challenge: bytes) -> bytes:
        if sent:
            return b""
        sent.append(True)
        return f"user={username}\x01auth=Bearer {access_token}\x01\x01".encode()

    return answer


@contextmanager
def session(settings: MailboxSettings, password: str, *, deadline: float, allow_private_hosts: bool,
            ca_file: str | None = None) -> Iterator[Session]:
    """A logged-in Session with the user's IMAP server (`password` is an OAuth2 access token
    when the settings name an OAuth2 client), logged out afterwards, the whole
    conversation over by `deadline` (time.monotonic()). Raises ImapFailed naming what failed
    (connection, TLS, STARTTLS, login, or any command of the caller's, the deadline included)."""
    try:
        addresses = resolve(settings.host, settings.port, allow_private_hosts, server="IMAP")
    except TransportFailed as failed:
        raise ImapFailed(str(failed)) from failed
    context = ssl.create_default_context(cafile=ca_file)
    host, port = settings.host, settings.port
    try:
        if settings.security == "tls":
            client: imaplib.IMAP4 = _IMAPS(addresses, deadline, host=host, port=port, ssl_context=context)
        else:
            client = _IMAP(addresses, deadline, host=host, port=port)
    except (OSError, imaplib.IMAP4.error) as unreached:
        raise ImapFailed(f"The IMAP server {host} could not be reached on port {port}. "
                         f"{_CHECK_SETTINGS}") from unreached
    try:
        if settings.security == "starttls":
            if "STARTTLS" not in client.capabilities:
                raise ImapFailed(f"The IMAP server {host} does not offer STARTTLS on port {port}, so the password "
                                 f"would travel unencrypted. {_CHECK_SETTINGS}")
            client.starttls(ssl_context=context)
        try:
            if settings.oauth2 is None:
                client.login(settings.username, password)
            else:
                client.authenticate("XOAUTH2", xoauth2_answers(settings.username, password))
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as refused:
            checked = "OAuth2 client and the account's consent" if settings.oauth2 else "username and password"
            raise ImapFailed(f"The IMAP server refused the login ({str(refused)[:200]}). "
                             f"Check the {checked} of IMAP in your mailbox settings.") from refused
        yield Session(client)
        try:
            client.logout()
        except (OSError, imaplib.IMAP4.error):
            pass  # everything is read already
    except ImapFailed:
        raise
    except (OSError, imaplib.IMAP4.error) as error:  # ssl errors and timeouts are OSErrors; abort is an error
        raise ImapFailed(_reason(error, host, port)) from error
    finally:
        try:
            client.shutdown()
        except OSError:
            pass
