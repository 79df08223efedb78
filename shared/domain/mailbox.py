"""The user's own mail servers (PUT /v1/me/mailbox): the SMTP server their mail goes out through
and, optionally, the IMAP server their mailbox is synced from; settings checked, and their public form."""

from __future__ import annotations

import ipaddress
import json
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import urlsplit

from shared.domain import fields, validation
from shared.errors import FieldError, require_valid

SECURITIES = ("starttls", "tls", "none")
IMAP_FIELD = "imap"
AUTHS = ("password", "oauth2")
OAUTH2_FIELDS = ("provider", "token_url", "client_id", "client_secret", "refresh_token", "scope")
# Where Google and Microsoft trade a refresh token for an access token, and the scope their IMAP
# wants (https://developers.google.com/gmail/imap/xoauth2-protocol,
# https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
OAUTH2_PROVIDERS = {
    "google": ("https://oauth2.googleapis.com/token", "https://mail.google.com/"),
    "microsoft": ("https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
                  "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"),
}
CUSTOM_PROVIDER = "custom"
MAX_OAUTH2_TEXT = 2048
MAX_USERNAME = 256
MAX_PASSWORD = 1024
MAX_HOST_LENGTH = 253  # a DNS name's
MAX_PORT = 65535
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# smtplib sends the AUTH exchange as ASCII, and a line break or NUL would corrupt it.
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]+")

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Protocol:
    """What differs between the two servers a mailbox names: the words and the usual ports."""

    name: str
    example: str
    default_ports: dict[str, int]


SMTP = Protocol("SMTP", "smtp.example.co.jp", {"starttls": 587, "tls": 465, "none": 25})
IMAP = Protocol("IMAP", "imap.example.co.jp", {"starttls": 143, "tls": 993, "none": 143})


@dataclass(frozen=True)
class OAuth2Client:
    """Where, and as which OAuth client, the sync trades the stored refresh token for an access
    token to log in with (SASL XOAUTH2, as Gmail and Microsoft 365 want)."""

    provider: str
    token_url: str
    client_id: str
    scope: str | None


@dataclass(frozen=True)
class MailboxSettings:
    host: str
    port: int
    security: str
    username: str
    # None when the body gave no password: the stored one stays. Kept out of repr (and so logs).
    # With OAuth2, what the secret keeps instead: the client secret and refresh token (oauth2_secret).
    password: str | None = field(default=None, repr=False)
    oauth2: OAuth2Client | None = None  # None: the login is the username and password


def oauth2_secret(client_secret: str | None, refresh_token: str) -> str:
    """What an OAuth2 mailbox's secret keeps (and the token endpoint's rotation rewrites)."""
    return json.dumps({"client_secret": client_secret, "refresh_token": refresh_token})


def oauth2_credentials(secret: str) -> tuple[str | None, str]:
    """(client secret, refresh token) of an OAuth2 mailbox's secret."""
    stored = json.loads(secret)
    return stored.get("client_secret"), stored["refresh_token"]


def _unmapped(address: _IPAddress) -> _IPAddress:
    """An IPv4-mapped IPv6 address (::ffff:10.0.0.1) reaches its IPv4 address, so it is judged as one."""
    return getattr(address, "ipv4_mapped", None) or address


def _ip(host: str) -> _IPAddress | None:
    try:
        return _unmapped(ipaddress.ip_address(host))
    except ValueError:
        return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052's well-known prefix: the IPv4 address is the last 32 bits


def _embedded_ipv4(address: _IPAddress) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address reaches through a transition mechanism: 6to4
    (2002::/16), Teredo (2001::/32: its server and client) and NAT64 (64:ff9b::/96)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    found = [address.sixtofour, *(address.teredo or ())]
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [embedded for embedded in found if embedded is not None]


def _off_internet(address: _IPAddress) -> bool:
    return not address.is_global or address.is_multicast or address.is_reserved


def private_address(ip: str) -> bool:
    """Whether an IP address is off the public internet (private, loopback, link-local, shared,
    reserved, multicast…), itself or the IPv4 address it embeds (IPv4-mapped, 6to4, Teredo,
    NAT64: 2002:a9fe:a9fe:: reaches 169.254.169.254). Raises ValueError when `ip` is not an IP address."""
    address = _unmapped(ipaddress.ip_address(ip))
    return _off_internet(address) or any(_off_internet(embedded) for embedded in _embedded_ipv4(address))


def _dns_name(host: str) -> bool:
    """A DNS host name, international ones included. The last label must not be all digits:
    names such as `127.1` or `2130706433` resolve to addresses the IP literal checks never saw."""
    try:
        ascii_name = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_name.split(".")
    return (len(ascii_name) <= MAX_HOST_LENGTH and all(_LABEL.match(label) for label in labels)
            and not labels[-1].isdigit())


# A server's settings, each checked alone (a missing host or username is refused here; what a
# missing port or password means depends on the others: _server).

def _host(value: Any, protocol: Protocol) -> validation.Result:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, f"is required: your {protocol.name} server, such as {protocol.example}"
    if isinstance(value, str):
        host = unicodedata.normalize("NFKC", value).strip().lower().removesuffix(".")
        try:
            return str(ipaddress.ip_address(host)), None
        except ValueError:
            if _dns_name(host):
                return host, None
    return None, f"must be a host name such as {protocol.example}, or an IP address"


def _port(value: Any) -> validation.Result:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PORT:
        return None, "must be a whole number from 1 to 65535"
    return value, None


def _username(value: Any, protocol: Protocol) -> validation.Result:
    username, error = (None, None) if value is None else validation.text(value, max_length=MAX_USERNAME)
    if error:
        return None, error
    if username is None:
        return None, f"is required: the login of your {protocol.name} server"
    if not username.isascii():
        return None, f"must use ASCII characters only; the {protocol.name} login cannot carry others"
    return username, None


def _password(value: Any, protocol: Protocol) -> validation.Result:
    if not isinstance(value, str) or not value:
        return None, "must be a non-empty string"
    if len(value) > MAX_PASSWORD:
        return None, f"must be at most {MAX_PASSWORD} characters"
    if not _PRINTABLE_ASCII.fullmatch(value):
        return None, (f"must use printable ASCII characters only, without line breaks; the {protocol.name} login "
                      "cannot carry others")
    return value, None


_SECURITY = fields.choice(SECURITIES, None, "`none` (no TLS) is accepted only for a server on this machine "
                                            "(localhost): a password must never cross the network in clear text.")


def _settings(protocol: Protocol, ports: str) -> dict[str, fields.Field]:
    """A server's settings, checked by the same rules for SMTP and IMAP (in its words); `ports`
    tells the default ports."""
    return {
        "host": fields.Field(lambda value: _host(value, protocol), {"type": "string", "minLength": 1,
                                                                     "maxLength": MAX_HOST_LENGTH},
                             "A host name (international ones too; a final dot is dropped) or an IP address; an "
                             "internal address is a 422. Trimmed, stored lower-case.", nullable=False),
        "port": fields.Field(_port, {"type": "integer", "minimum": 1, "maximum": MAX_PORT},
                             f"Default {ports}; `null` is the same as leaving it out."),
        "security": _SECURITY,
        "username": fields.Field(lambda value: _username(value, protocol), {"type": "string", "minLength": 1,
                                                                             "maxLength": MAX_USERNAME},
                                 "The login: ASCII only. Trimmed; one line.", nullable=False),
        "password": fields.Field(lambda value: _password(value, protocol), {"type": "string", "writeOnly": True,
                                                                             "minLength": 1, "maxLength": MAX_PASSWORD},
                                 "Printable ASCII. Required the first time; `null` or leaving it out keeps the "
                                 "stored one."),
    }


_REQUIRED = ("host", "security", "username")
_AUTH = fields.choice(AUTHS, None, "How the sync logs in; omitted, `password`.")
MAILBOX_IMAP_INPUT = fields.Body("MailboxImapInput", "mailbox", {
    **_settings(IMAP, "993 (tls), 143 (starttls, none)"),
    "auth": _AUTH,
    "oauth2": {"allOf": [{"$ref": "#/components/schemas/MailboxImapOAuth2Input"}],
               "description": 'Required with `auth: "oauth2"`, refused otherwise.'},
}, required=_REQUIRED, description="The IMAP server of the mailbox to sync: `none` (no TLS) is accepted only for a "
                                   "loopback host. It logs in with the password (required the first time; omit it "
                                   'to keep the stored one) or, with `auth: "oauth2"`, with an OAuth2 refresh token '
                                   "(Gmail, Microsoft 365).")
MAILBOX_INPUT = fields.Body("MailboxInput", "mailbox", {
    **_settings(SMTP, "587 (starttls), 465 (tls), 25 (none)"),
    IMAP_FIELD: {"allOf": [{"$ref": "#/components/schemas/MailboxImapInput"}], "nullable": True,
                 "description": "Links the mailbox for the sync (replacing the IMAP settings); `null` unlinks it (its "
                                "password is deleted); leaving it out keeps what is stored."},
}, required=_REQUIRED, description="`none` (no TLS) is accepted only for a loopback host. The password is required "
                                   "the first time; omit it to keep the stored one.",
    example={"host": "smtp.example.co.jp", "port": 587, "security": "starttls", "username": "taro@example.co.jp",
             "password": "app-password"})


def _loopback(host: str) -> bool:
    address = _ip(host)
    return host == "localhost" or (address is not None and address.is_loopback)


def _internal(host: str) -> bool:
    return host == "localhost" or (_ip(host) is not None and private_address(host))


@dataclass(frozen=True)
class MailboxUpdate:
    """What PUT /v1/me/mailbox asks for: the SMTP settings, and what becomes of the IMAP ones."""

    smtp: MailboxSettings
    imap: MailboxSettings | None  # the new IMAP settings; None: as they are, or removed (see remove_imap)
    remove_imap: bool = False


def _oauth_text(body: dict[str, Any], name: str, prefix: str, errors: list[FieldError],
                required: bool) -> str | None:
    value = body.get(name)
    if value is None:
        if required:
            errors.append(FieldError(f"{prefix}{name}", "is required", "required"))
        return None
    if not isinstance(value, str) or not value or len(value) > MAX_OAUTH2_TEXT or not _PRINTABLE_ASCII.fullmatch(value):
        errors.append(FieldError(f"{prefix}{name}", f"must be printable ASCII of 1 to {MAX_OAUTH2_TEXT} characters"))
        return None
    return value


def _token_url(value: str | None, allow_private_hosts: bool, field_name: str, errors: list[FieldError]) -> str | None:
    """An https URL on a public host (http only to this machine, as security none is)."""
    parsed = urlsplit(value or "")
    host = (parsed.hostname or "").lower()
    if parsed.scheme not in ("https", "http") or not host or (parsed.scheme == "http" and not _loopback(host)):
        errors.append(FieldError(field_name, "must be your provider's https token endpoint, such as "
                                             f"{OAUTH2_PROVIDERS['google'][0]}"))
    elif not allow_private_hosts and _internal(host):
        errors.append(FieldError(field_name, "is an internal address, which is not allowed", "private_host"))
    else:
        return value
    return None


def _oauth2(body: Any, has_credentials: bool, allow_private_hosts: bool, prefix: str,
            errors: list[FieldError]) -> tuple[OAuth2Client, str | None] | None:
    """The OAuth2 client of `auth: "oauth2"` and the secret to keep (None: the stored one stays;
    the client secret and refresh token are given together, required the first time)."""
    if not isinstance(body, dict):
        errors.append(FieldError(prefix.rstrip("."), "is required with auth oauth2: an object of "
                                                     f"{', '.join(OAUTH2_FIELDS)}", "required"))
        return None
    before = len(errors)
    errors.extend(FieldError(f"{prefix}{name}", "is not an OAuth2 setting", "unknown_field")
                  for name in body if name not in OAUTH2_FIELDS)
    given = body.get("provider")  # any JSON value, an object included
    provider = given if isinstance(given, str) and given in (*OAUTH2_PROVIDERS, CUSTOM_PROVIDER) else None
    if provider is None:
        errors.append(FieldError(f"{prefix}provider",
                                 f"must be one of {', '.join([*OAUTH2_PROVIDERS, CUSTOM_PROVIDER])}",
                                 "required" if given is None else "invalid"))
    default_url: str | None
    default_scope: str | None
    default_url, default_scope = OAUTH2_PROVIDERS.get(provider or "", (None, None))
    token_url = _oauth_text(body, "token_url", prefix, errors, required=provider == CUSTOM_PROVIDER) or default_url
    if token_url is not None:
        token_url = _token_url(token_url, allow_private_hosts, f"{prefix}token_url", errors)
    client_id = _oauth_text(body, "client_id", prefix, errors, required=True)
    scope = _oauth_text(body, "scope", prefix, errors, required=False) or default_scope
    client_secret = _oauth_text(body, "client_secret", prefix, errors, required=False)
    refresh_token = _oauth_text(body, "refresh_token", prefix, errors,
                                required=not has_credentials or client_secret is not None)
    if len(errors) > before or provider is None or token_url is None or client_id is None:
        return None
    secret = None if refresh_token is None else oauth2_secret(client_secret, refresh_token)
    return OAuth2Client(provider=provider, token_url=token_url, client_id=client_id, scope=scope), secret


def _refusal(field_name: str, error: str) -> FieldError:
    """A setting's error: that of a missing one ("is required…") has the code `required`."""
    return FieldError(field_name, error, "required" if error.startswith("is required") else "invalid")


def _server(body: dict[str, Any], protocol: Protocol, prefix: str, has_password: bool, allow_private_hosts: bool,
            errors: list[FieldError], stored_auth: str | None = None) -> MailboxSettings | None:
    """One server's settings from `body`, each wrong field named `{prefix}{field}` in `errors`.
    IMAP's may log in with OAuth2 (`auth`, `oauth2`) instead of a password; `stored_auth` is how
    the stored secret logs in (None: no secret is stored)."""
    settings = MAILBOX_INPUT if protocol is SMTP else MAILBOX_IMAP_INPUT
    errors.extend(FieldError(f"{prefix}{name}", "is not a mailbox setting", "unknown_field")
                  for name in body if name not in settings.fields)
    before = len(errors)
    host, error = _host(body.get("host"), protocol)
    if error:
        errors.append(_refusal(f"{prefix}host", error))
    security, error = _SECURITY(body.get("security"))
    if error:
        errors.append(FieldError(f"{prefix}security", error, "required" if body.get("security") is None else "invalid"))
    port = protocol.default_ports[security] if security else None
    if body.get("port") is not None:
        port, error = _port(body["port"])
        if error:
            errors.append(FieldError(f"{prefix}port", error))
    username, error = _username(body.get("username"), protocol)
    if error:
        errors.append(_refusal(f"{prefix}username", error))
    auth = body.get("auth", "password")
    oauth2 = None
    _, error = _AUTH(auth)
    if error:
        errors.append(FieldError(f"{prefix}auth", error))
    if auth == "oauth2":
        if "password" in body:
            errors.append(FieldError(f"{prefix}password", "is not used with auth oauth2 (the refresh token logs in)",
                                     "unknown_field"))
        oauth2 = _oauth2(body.get("oauth2"), stored_auth == "oauth2", allow_private_hosts, f"{prefix}oauth2.", errors)
        password = oauth2[1] if oauth2 else None
    else:
        if "oauth2" in body:
            errors.append(FieldError(f"{prefix}oauth2", "is only used with auth oauth2", "unknown_field"))
        password, error = None, None
        if body.get("password") is not None:
            password, error = _password(body["password"], protocol)
        elif not (has_password and stored_auth in (None, "password")):
            error = "is required the first time the mailbox is saved"
        if error:
            errors.append(_refusal(f"{prefix}password", error))
    if security == "none" and host is not None and not _loopback(host):
        errors.append(FieldError(
            f"{prefix}security",
            "none (no encryption) is only allowed for a server on this machine (localhost): the password must "
            "never cross the network in clear text. Choose starttls or tls.",
            "insecure",
        ))
    if host is not None and not allow_private_hosts and _internal(host):
        errors.append(FieldError(
            f"{prefix}host",
            f"is an internal address, which is not allowed; use your mail provider's public {protocol.name} host",
            "private_host",
        ))
    if len(errors) > before or host is None or port is None or security is None or username is None:
        return None  # (each of them is None only with an error added)
    return MailboxSettings(host=host, port=port, security=security, username=username, password=password,
                           oauth2=oauth2[0] if oauth2 else None)


def parse_mailbox(body: Any, *, has_password: bool, allow_private_hosts: bool,
                  imap_auth: str | None = None) -> MailboxUpdate:
    """The checked settings of PUT /v1/me/mailbox, which replaces the SMTP ones all but the
    password: that one is required on the first PUT (`has_password` False) and, when omitted
    later, kept. `imap` absent keeps the IMAP settings as they are, `null` removes them, an
    object replaces them as the SMTP ones are (its password, or OAuth2 refresh token, required
    unless one of that kind is stored: `imap_auth`, None when none is). `allow_private_hosts` is
    for the local stack and tests; deployed, the Lambda must not be pointed at internal
    addresses. Raises ValidationFailed naming every wrong field."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors: list[FieldError] = []
    smtp = _server(body, SMTP, "", has_password, allow_private_hosts, errors)
    imap_body = body.get(IMAP_FIELD)
    imap = None
    if isinstance(imap_body, dict):
        imap = _server(imap_body, IMAP, f"{IMAP_FIELD}.", imap_auth is not None, allow_private_hosts, errors,
                       stored_auth=imap_auth)
    elif imap_body is not None:
        errors.append(FieldError(IMAP_FIELD, "must be an object of IMAP settings, or null to unlink the mailbox"))
    require_valid(errors)
    return MailboxUpdate(smtp=cast(MailboxSettings, smtp),  # None only with an error, and require_valid raised
                         imap=imap, remove_imap=IMAP_FIELD in body and imap_body is None)


def public_mailbox(settings: MailboxSettings, password_set: bool) -> dict[str, Any]:
    """The settings as the API answers them: whether a password is stored, never the password."""
    return {
        "host": settings.host,
        "port": settings.port,
        "security": settings.security,
        "username": settings.username,
        "password_set": password_set,
    }


def public_imap(settings: MailboxSettings) -> dict[str, Any]:
    """The IMAP settings as the API answers them: how it logs in, the OAuth2 client without its
    secret or refresh token."""
    return {**public_mailbox(settings, password_set=True), "auth": "oauth2" if settings.oauth2 else "password",
            "oauth2": oauth2_item(settings.oauth2)}


def stored_oauth2(kept: dict[str, Any] | None) -> OAuth2Client | None:
    """The OAuth2 client of a stored mailbox (its `imap_oauth2`), None for password logins."""
    return None if not kept else OAuth2Client(provider=kept["provider"], token_url=kept["token_url"],
                                               client_id=kept["client_id"], scope=kept.get("scope"))


def oauth2_item(client: OAuth2Client | None) -> dict[str, Any] | None:
    """The OAuth2 client as the mailbox item keeps it (`imap_oauth2`) and the API answers it."""
    return None if client is None else {"provider": client.provider, "token_url": client.token_url,
                                        "client_id": client.client_id, "scope": client.scope}
