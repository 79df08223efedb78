"""Mail through the user's own SMTP server: the `smtp` transport of POST /v1/emails, and the
connection test of POST /v1/me/mailbox/test.

Every network, TLS or SMTP problem becomes TransportFailed with a reason a sales rep can act
on. Certificates and host names are always verified, and the password never travels in clear
text except to a loopback server (`security: none`, which shared.domain.mailbox allows only there)."""

from __future__ import annotations

import smtplib
import socket
import ssl
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from shared.domain.mailbox import MailboxSettings, private_address

# One class for every transport, so the send path catches SMTP and SES failures alike.
from shared.errors import TransportFailed
from shared.observability import logger

T = TypeVar("T")

__all__ = ["TransportFailed", "check", "send"]

_REPLY_LIMIT = 200
# The whole conversation, well inside the 29 s the API function may run (template.yaml; an HTTP
# API waits for its integration 30 s at most:
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html), leaving time
# for the reads before the send and the record after it.
SEND_SECONDS = 20.0
# A connection test (POST /v1/me/mailbox/test) answers a person waiting at the settings screen,
# within the same 30 s of API Gateway (page above): a server that has not logged us in by then is
# reported as not answering.
CHECK_SECONDS = 10.0
_CHECK_SETTINGS = (
    "Check the host, port and security in your mailbox settings (tls usually uses port 465, starttls 587)."
)


class _PinnedAddresses:
    """Connects to the addresses resolved and checked beforehand rather than resolving the host
    again (a second answer could be an internal address); TLS still verifies the host name."""

    def __init__(self, addresses: list[str], **kwargs: Any):
        self._addresses = addresses
        super().__init__(**kwargs)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        *others, last = self._addresses
        for address in others:
            try:
                return cast(socket.socket, super()._get_socket(address, port, timeout))  # type: ignore[misc]
            except ssl.SSLError:
                raise
            except OSError:
                continue  # unreachable or refused: try the next address, as create_connection does
        return cast(socket.socket, super()._get_socket(last, port, timeout))  # type: ignore[misc]


class _WithinDeadline:
    """One deadline for the whole conversation (connection, TLS, login, every command and reply),
    not a timeout per command: each connection attempt, command and reply gets only the time that
    is left, so a server answering each step just in time cannot stretch a send past the
    deadline (and a Lambda past API Gateway's 29 s, leaving the email `sending`)."""

    def __init__(self, deadline: float, **kwargs: Any):
        self._deadline = deadline  # time.monotonic() by which the conversation must be over
        super().__init__(**kwargs)

    def _left(self) -> float:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the SMTP conversation ran out of time")
        return left

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return cast(socket.socket, super()._get_socket(host, port, self._left()))  # type: ignore[misc]

    def send(self, data: Any) -> None:
        if self.sock:  # type: ignore[attr-defined]
            self.sock.settimeout(self._left())  # type: ignore[attr-defined]
        super().send(data)  # type: ignore[misc]

    def getreply(self) -> tuple[int, bytes]:
        if self.sock:  # type: ignore[attr-defined]
            self.sock.settimeout(self._left())  # type: ignore[attr-defined]
        return cast("tuple[int, bytes]", super().getreply())  # type: ignore[misc]


class _SMTP(_PinnedAddresses, _WithinDeadline, smtplib.SMTP):
    pass


class _SMTPS(_PinnedAddresses, _WithinDeadline, smtplib.SMTP_SSL):
    pass


def _reply(code: int, text: bytes | str) -> str:
    """A server reply for a reason: one line, bounded."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    line = " ".join(f"{code} {text}".split())
    return line if len(line) <= _REPLY_LIMIT else line[:_REPLY_LIMIT - 1] + "…"


def resolve(host: str, port: int, allow_private_hosts: bool, server: str = "SMTP") -> list[str]:
    """The addresses of `server`'s host, all of them checked (an internal one is refused unless
    `allow_private_hosts`); the connection goes to these, never to a second lookup's answer."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TransportFailed(
            f"The {server} server {host} could not be found (DNS lookup failed). "
            "Check the host in your mailbox settings."
        ) from error
    addresses = list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in found))
    internal = [address for address in addresses if private_address(address)]
    if internal and not allow_private_hosts:
        raise TransportFailed(
            f"The {server} server {host} resolves to an internal address ({internal[0]}), which is not allowed. "
            f"Use your mail provider's public {server} host."
        )
    return addresses


def connect_first(addresses: list[str], port: int, time_left: Callable[[], float]) -> socket.socket:
    """A plain connection to the first of `addresses` (resolve's) that takes it, the others tried
    in turn as socket.create_connection tries a host's; each attempt gets `time_left()`."""
    *others, last = addresses
    for address in others:
        try:
            return socket.create_connection((address, port), time_left())
        except OSError:
            continue  # unreachable or refused: the next address
    return socket.create_connection((last, port), time_left())


def _connect(settings: MailboxSettings, addresses: list[str], context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    deadline = time.monotonic() + timeout
    if settings.security == "tls":
        return _SMTPS(addresses, deadline=deadline, host=settings.host, port=settings.port, timeout=timeout,
                      context=context)
    return _SMTP(addresses, deadline=deadline, host=settings.host, port=settings.port, timeout=timeout)


def _start_tls(client: smtplib.SMTP, settings: MailboxSettings, context: ssl.SSLContext) -> None:
    """Encrypts the session, or fails: it never carries on in clear text."""
    client.ehlo_or_helo_if_needed()
    if not client.has_extn("starttls"):
        raise TransportFailed(
            f"The SMTP server {settings.host} does not offer STARTTLS on port {settings.port}, so the password "
            f"would travel unencrypted; nothing was sent. {_CHECK_SETTINGS}"
        )
    client.starttls(context=context)


def _login(client: smtplib.SMTP, settings: MailboxSettings, password: str) -> None:
    try:
        client.login(settings.username, password)
    except smtplib.SMTPAuthenticationError as error:
        raise TransportFailed(
            f"The SMTP server refused the login ({_reply(error.smtp_code, error.smtp_error)}). "
            "Check the username and password in your mailbox settings."
        ) from error
    except smtplib.SMTPNotSupportedError as error:
        raise TransportFailed(
            f"The SMTP server {settings.host} does not offer login (AUTH) on this connection. {_CHECK_SETTINGS}"
        ) from error


def _transfer(client: smtplib.SMTP, envelope_from: str, recipients: list[str], message: bytes) -> str:
    """MAIL, RCPT and DATA by hand rather than `sendmail`: when any recipient is refused the
    transaction is reset before DATA, so nobody gets the mail and a retry sends no duplicates.
    Returns the text of the server's reply to DATA."""
    code, text = client.mail(envelope_from)
    if code != 250:
        client.rset()
        raise TransportFailed(
            f"The SMTP server refused the sender address {envelope_from} ({_reply(code, text)}). "
            "Your mail server may not allow sending as this address."
        )
    refused = {}
    for recipient in recipients:
        code, text = client.rcpt(recipient)
        if code not in (250, 251):
            refused[recipient] = _reply(code, text)
    if refused:
        client.rset()
        named = "; ".join(f"{recipient} ({reply})" for recipient, reply in refused.items())
        noun = "recipient" if len(refused) == 1 else "recipients"
        raise TransportFailed(f"The SMTP server refused the {noun} {named}; nothing was sent.")
    code, text = client.data(message)
    if code != 250:
        raise TransportFailed(f"The SMTP server refused the message ({_reply(code, text)}); nothing was sent.")
    return text.decode("utf-8", "replace")


def _quit(client: smtplib.SMTP) -> None:
    """Ends the session; the mail is already accepted, so a failing QUIT must not report failure."""
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        pass  # the caller closes the socket


def send(
    settings: MailboxSettings,
    password: str,
    envelope_from: str,
    recipients: list[str],
    message: bytes,
    *,
    allow_private_hosts: bool,
    timeout: float = SEND_SECONDS,
    ca_file: str | None = None,
) -> str:
    """Sends `message` as is to `recipients` (To, Cc and Bcc alike) through the user's SMTP server
    and returns the text of its reply to DATA, all within `timeout` seconds. `ca_file` None trusts
    the system's certificates. Raises TransportFailed when the mail was not accepted for every
    recipient."""
    return _converse(settings, password, lambda client: _transfer(client, envelope_from, recipients, message),
                     allow_private_hosts=allow_private_hosts, timeout=timeout, ca_file=ca_file)


def check(
    settings: MailboxSettings,
    password: str,
    *,
    allow_private_hosts: bool,
    timeout: float = CHECK_SECONDS,
    ca_file: str | None = None,
) -> None:
    """Tests the settings as a send would use them, sending nothing: connect, EHLO, TLS as
    configured, login, QUIT, within `timeout` seconds. Raises TransportFailed naming what failed."""
    _converse(settings, password, lambda client: None,
              allow_private_hosts=allow_private_hosts, timeout=timeout, ca_file=ca_file)


def _converse(
    settings: MailboxSettings,
    password: str,
    then: Callable[[smtplib.SMTP], T],
    *,
    allow_private_hosts: bool,
    timeout: float,
    ca_file: str | None,
) -> T:
    """One logged-in session with the user's SMTP server: `then` runs once the login succeeded,
    and its answer is returned after QUIT. Every failure on the way is a TransportFailed."""
    addresses = resolve(settings.host, settings.port, allow_private_hosts)
    context = ssl.create_default_context(cafile=ca_file)
    host, port = settings.host, settings.port
    unanswered = f"The SMTP server {host} did not answer within {timeout:g} seconds. {_CHECK_SETTINGS}"
    try:
        client = _connect(settings, addresses, context, timeout)
    except (OSError, smtplib.SMTPException) as unreached:  # refused, silent, TLS (ssl errors are OSErrors), a banner
        # One reason whatever happened before an SMTP server greeted us: telling "refused" from "no
        # answer" or quoting the banner would make this a port scanner of any host. The detail is logged.
        logger.warning("SMTP server not reached", extra={"host": host, "port": port,
                                                         "error": f"{type(unreached).__name__}: {unreached}"[:300]})
        raise TransportFailed(f"The SMTP server {host} could not be reached on port {port}. "
                              f"{_CHECK_SETTINGS}") from unreached
    try:
        try:
            if settings.security == "starttls":
                _start_tls(client, settings, context)
            _login(client, settings, password)
            answer = then(client)
            _quit(client)
            return answer
        finally:
            client.close()
    except smtplib.SMTPServerDisconnected as error:
        if isinstance(error.__context__, TimeoutError):  # smtplib reports a read timeout as a disconnection
            raise TransportFailed(unanswered) from error
        raise TransportFailed(
            f"The SMTP server {host} closed the connection unexpectedly; try again later. {_CHECK_SETTINGS}"
        ) from error
    except smtplib.SMTPResponseException as error:
        raise TransportFailed(
            f"The SMTP server {host} answered with an error ({_reply(error.smtp_code, error.smtp_error)})."
        ) from error
    except smtplib.SMTPException as error:
        raise TransportFailed(f"The SMTP server {host} could not be used: {error}") from error
    except ssl.SSLCertVerificationError as error:
        raise TransportFailed(
            f"The certificate of the SMTP server {host} could not be verified ({error.verify_message.rstrip('.')}). "
            "Check the host name in your mailbox settings, or ask your mail provider about its certificate."
        ) from error
    except ssl.SSLError as error:
        raise TransportFailed(
            f"The secure connection to the SMTP server {host} failed ({error.reason or error}). {_CHECK_SETTINGS}"
        ) from error
    except TimeoutError as error:
        raise TransportFailed(unanswered) from error
    except OSError as error:
        raise TransportFailed(
            f"Could not reach the SMTP server {host} on port {port} ({error.strerror or error}). {_CHECK_SETTINGS}"
        ) from error
