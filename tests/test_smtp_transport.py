"""The user's own SMTP server: mailbox settings (shared.domain.mailbox) and the transport
(shared.smtp_transport) against a real aiosmtpd server on 127.0.0.1, with certificates from
a throwaway CA (trustme)."""

from __future__ import annotations

import asyncio
import socket
import ssl
import threading
import time
from dataclasses import dataclass

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from shared import errors
from shared.domain.mailbox import MailboxSettings, parse_mailbox, private_address, public_mailbox
from shared.errors import ValidationFailed
from shared.smtp_transport import TransportFailed, send

USERNAME = "rep@example.co.jp"
PASSWORD = "correct horse battery staple"
SENDER = "rep@example.co.jp"
RECIPIENTS = ["taro@example.jp", "hanako@example.jp", "hidden@example.jp"]  # the last one only in Bcc
MESSAGE = (
    b"From: Rep <rep@example.co.jp>\r\n"
    b"To: taro@example.jp\r\n"
    b"Cc: hanako@example.jp\r\n"
    b"Subject: =?utf-8?b?44GU5qGI5YaF?=\r\n"
    b"\r\n"
    b"Hello Taro,\r\n"
    b".A line that starts with a dot survives dot-stuffing.\r\n"
)
DATA_REPLY = "2.0.0 Queued as TEST123"

# Several servers here take AUTH without TLS on purpose (security none on loopback, SMTPS).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@dataclass
class Delivery:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: bytes | None
    encrypted: bool


class Mailbox:
    """An aiosmtpd handler and authenticator that records what reaches it."""

    def __init__(self, refuse_recipients: tuple[str, ...] = (), refuse_sender: bool = False):
        self.refuse_recipients = refuse_recipients
        self.refuse_sender = refuse_sender
        self.logins_tried: list[LoginPassword] = []
        self.deliveries: list[Delivery] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins_tried.append(auth_data)
        valid = auth_data == LoginPassword(USERNAME.encode(), PASSWORD.encode())
        return AuthResult(success=valid, handled=False, auth_data=auth_data)  # handled=False: aiosmtpd answers 535

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_sender:
            return "553 5.7.1 Sender address rejected: not owned by user"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.deliveries.append(Delivery(
            mail_from=envelope.mail_from,
            rcpt_tos=list(envelope.rcpt_tos),
            content=envelope.original_content,
            login=session.login_data,
            encrypted=server.transport.get_extra_info("ssl_object") is not None,
        ))
        return f"250 {DATA_REPLY}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca, tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


@pytest.fixture
def ca_context(ca) -> ssl.SSLContext:
    return server_context(ca, "127.0.0.1", "localhost")


@pytest.fixture
def start_server():
    """Starts an SMTP server on 127.0.0.1 that requires a login; answers (mailbox, port)."""
    controllers: list[Controller] = []

    def start(mailbox: Mailbox | None = None, **options) -> tuple[Mailbox, int]:
        mailbox = mailbox or Mailbox()
        controller = Controller(
            mailbox, hostname="127.0.0.1", port=free_port(),
            authenticator=mailbox.authenticate, auth_required=True, **options,
        )
        controller.start()
        controllers.append(controller)
        return mailbox, controller.port

    yield start
    for controller in controllers:
        controller.stop()


def settings_for(port: int, security: str, host: str = "127.0.0.1", username: str = USERNAME) -> MailboxSettings:
    return MailboxSettings(host=host, port=port, security=security, username=username)


def deliver(settings: MailboxSettings, password: str = PASSWORD, **options) -> str:
    options.setdefault("allow_private_hosts", True)
    return send(settings, password, SENDER, RECIPIENTS, MESSAGE, **options)


# --- delivery -----------------------------------------------------------------------------

def test_security_none_on_loopback_delivers_the_exact_bytes_and_envelope(start_server):
    mailbox, port = start_server(auth_require_tls=False)

    reply = deliver(settings_for(port, "none"))

    assert reply == DATA_REPLY
    assert mailbox.deliveries == [
        Delivery(mail_from=SENDER, rcpt_tos=RECIPIENTS, content=MESSAGE, login=USERNAME.encode(), encrypted=False)
    ]
    assert b"hidden@example.jp" not in mailbox.deliveries[0].content


def test_starttls_with_a_trusted_certificate_delivers(start_server, ca_context, ca_file):
    mailbox, port = start_server(tls_context=ca_context, require_starttls=True)

    reply = deliver(settings_for(port, "starttls"), ca_file=ca_file)

    assert reply == DATA_REPLY
    assert [(d.rcpt_tos, d.content, d.login, d.encrypted) for d in mailbox.deliveries] == [
        (RECIPIENTS, MESSAGE, USERNAME.encode(), True)
    ]


def test_starttls_verifies_a_host_name_as_well(start_server, ca_context, ca_file):
    mailbox, port = start_server(tls_context=ca_context, require_starttls=True)

    deliver(settings_for(port, "starttls", host="localhost"), ca_file=ca_file)

    assert len(mailbox.deliveries) == 1


def test_implicit_tls_delivers(start_server, ca_context, ca_file):
    # aiosmtpd only counts STARTTLS as TLS, so AUTH over SMTPS needs auth_require_tls=False.
    mailbox, port = start_server(ssl_context=ca_context, server_hostname="localhost", auth_require_tls=False)

    reply = deliver(settings_for(port, "tls"), ca_file=ca_file)

    assert reply == DATA_REPLY
    assert [(d.rcpt_tos, d.content, d.login, d.encrypted) for d in mailbox.deliveries] == [
        (RECIPIENTS, MESSAGE, USERNAME.encode(), True)
    ]


@pytest.fixture
def resolve_as(monkeypatch):
    """Makes a host name resolve to the given IPv4 addresses and counts its lookups."""
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def answer(name: str, *addresses: str) -> list[str]:
        def getaddrinfo(host, port, *args, **kwargs):
            if host != name:
                return real_getaddrinfo(host, port, *args, **kwargs)
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))
                    for address in addresses]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        return lookups

    return answer


def test_the_checked_address_is_the_one_connected_to_and_tls_verifies_the_name(
    start_server, ca, ca_file, resolve_as
):
    mailbox, port = start_server(tls_context=server_context(ca, "mail.test"), require_starttls=True)
    lookups = resolve_as("mail.test", "127.0.0.1")

    deliver(settings_for(port, "starttls", host="mail.test"), ca_file=ca_file)

    assert lookups == ["mail.test"]  # no second lookup that could answer another address
    assert len(mailbox.deliveries) == 1


def test_the_next_resolved_address_is_tried_when_one_refuses(start_server, resolve_as):
    mailbox, port = start_server(auth_require_tls=False)
    resolve_as("mail.test", "127.0.0.2", "127.0.0.1")  # the server listens on 127.0.0.1 only

    deliver(settings_for(port, "none", host="mail.test"))

    assert len(mailbox.deliveries) == 1


def test_a_public_name_resolving_to_an_internal_address_is_refused(start_server, resolve_as):
    mailbox, port = start_server(auth_require_tls=False)
    resolve_as("smtp.example.com", "93.184.216.34", "127.0.0.1")

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "starttls", host="smtp.example.com"), allow_private_hosts=False)

    assert "resolves to an internal address (127.0.0.1)" in failure.value.reason
    assert mailbox.logins_tried == [] and mailbox.deliveries == []


# --- failures -----------------------------------------------------------------------------

def test_a_wrong_password_fails_on_the_login_without_repeating_the_password(start_server, ca_context, ca_file):
    mailbox, port = start_server(tls_context=ca_context, require_starttls=True)
    wrong = "not-the-password-4711"

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "starttls"), password=wrong, ca_file=ca_file)

    reason = failure.value.reason
    assert "refused the login" in reason and "535" in reason
    assert "username and password" in reason
    assert wrong not in reason and wrong not in str(failure.value)
    assert mailbox.logins_tried and mailbox.deliveries == []


def test_starttls_not_offered_fails_without_sending_the_password(start_server):
    # The server would even accept AUTH in clear text: the client must not use it.
    mailbox, port = start_server(auth_require_tls=False)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "starttls"))

    assert "does not offer STARTTLS" in failure.value.reason
    assert mailbox.logins_tried == [] and mailbox.deliveries == []


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_certificate_from_an_untrusted_ca_fails(start_server, ca_context, security):
    options = {"tls_context": ca_context} if security == "starttls" else {"ssl_context": ca_context}
    mailbox, port = start_server(auth_require_tls=False, **options)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, security))  # ca_file None: the system store, which knows no test CA

    if security == "starttls":  # the server greeted us: the reason may say more
        assert "certificate" in failure.value.reason and "could not be verified" in failure.value.reason
    else:  # no SMTP greeting yet: only that it could not be reached
        assert failure.value.reason == unreachable(port)
    assert mailbox.logins_tried == [] and mailbox.deliveries == []


def test_a_certificate_for_another_host_name_fails(start_server, ca, ca_file):
    mailbox, port = start_server(tls_context=server_context(ca, "mail.example.com"), require_starttls=True)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "starttls"), ca_file=ca_file)

    assert "could not be verified" in failure.value.reason
    assert mailbox.logins_tried == [] and mailbox.deliveries == []


def test_implicit_tls_against_a_plain_server_fails(start_server):
    mailbox, port = start_server(auth_require_tls=False)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "tls"))

    assert failure.value.reason == unreachable(port)
    assert mailbox.deliveries == []


def unreachable(port: int) -> str:
    return (f"The SMTP server 127.0.0.1 could not be reached on port {port}. Check the host, port and security "
            "in your mailbox settings (tls usually uses port 465, starttls 587).")


def test_a_closed_port_a_silent_one_and_another_service_all_fail_with_one_reason():
    """Not a port scanner: refused, no answer and a banner that is not SMTP's read the same."""
    port = free_port()  # nobody listens there any more
    with pytest.raises(TransportFailed) as refused:
        deliver(settings_for(port, "none"))
    assert refused.value.reason == unreachable(port)

    with socket.socket() as silent:  # accepts connections (backlog) but never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(TransportFailed) as unanswered:
            deliver(settings_for(port, "starttls"), timeout=0.5)
    assert unanswered.value.reason == unreachable(port)

    with socket.socket() as ssh:
        ssh.bind(("127.0.0.1", 0))
        ssh.listen()
        port = ssh.getsockname()[1]

        def banner() -> None:
            connection, _ = ssh.accept()
            with connection:
                connection.sendall(b"SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
                connection.recv(1024)

        threading.Thread(target=banner, daemon=True).start()
        with pytest.raises(TransportFailed) as other_service:
            deliver(settings_for(port, "none"), timeout=2)
    assert other_service.value.reason == unreachable(port)
    assert "SSH" not in other_service.value.reason


class SlowMailbox(Mailbox):
    """Answers each recipient after `delay` seconds: every reply in time for a per-command
    timeout, the whole conversation not."""

    def __init__(self, delay: float):
        super().__init__()
        self.delay = delay

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        await asyncio.sleep(self.delay)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def test_the_whole_conversation_has_one_deadline_not_one_per_command(start_server):
    mailbox, port = start_server(SlowMailbox(delay=0.4), auth_require_tls=False)
    started = time.monotonic()

    with pytest.raises(TransportFailed) as failure:  # 3 recipients × 0.4 s: past the 1 s deadline
        deliver(settings_for(port, "none"), timeout=1.0)

    assert time.monotonic() - started < 1.5
    assert "did not answer within 1 seconds" in failure.value.reason
    assert mailbox.deliveries == []


def test_a_conversation_within_its_deadline_delivers(start_server):
    mailbox, port = start_server(SlowMailbox(delay=0.1), auth_require_tls=False)
    assert deliver(settings_for(port, "none"), timeout=3.0) == DATA_REPLY
    assert len(mailbox.deliveries) == 1


def test_an_unknown_host_name_fails_on_dns():
    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(587, "starttls", host="smtp.nowhere.invalid"))

    assert "smtp.nowhere.invalid could not be found" in failure.value.reason


def test_a_refused_recipient_fails_naming_it_and_nobody_gets_the_mail(start_server):
    mailbox, port = start_server(Mailbox(refuse_recipients=("hanako@example.jp",)), auth_require_tls=False)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "none"))

    assert "refused the recipient hanako@example.jp" in failure.value.reason
    assert "550" in failure.value.reason
    assert "taro@example.jp" not in failure.value.reason
    assert mailbox.deliveries == []


def test_a_refused_sender_fails_naming_it(start_server):
    mailbox, port = start_server(Mailbox(refuse_sender=True), auth_require_tls=False)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "none"))

    assert f"refused the sender address {SENDER}" in failure.value.reason and "553" in failure.value.reason
    assert mailbox.deliveries == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_private_host_is_refused_before_connecting_when_not_allowed(start_server, host):
    mailbox, port = start_server(auth_require_tls=False)

    with pytest.raises(TransportFailed) as failure:
        deliver(settings_for(port, "none", host=host), allow_private_hosts=False)

    assert "internal address" in failure.value.reason
    assert mailbox.logins_tried == [] and mailbox.deliveries == []


# --- parse_mailbox ------------------------------------------------------------------------

def body(**changes) -> dict:
    return {"host": "smtp.example.co.jp", "security": "starttls", "username": USERNAME, "password": PASSWORD, **changes}


def parse(value, *, has_password: bool = False, allow_private_hosts: bool = False) -> MailboxSettings:
    return parse_mailbox(value, has_password=has_password, allow_private_hosts=allow_private_hosts).smtp


def details(value, **options) -> dict[str, str]:
    """field → code of every detail of the ValidationFailed that parsing `value` raises."""
    with pytest.raises(ValidationFailed) as failure:
        parse(value, **options)
    assert failure.value.status == 422
    fields = [detail.field for detail in failure.value.details]
    assert len(fields) == len(set(fields)), "one detail per field"
    return {detail.field: detail.code for detail in failure.value.details}


def test_parse_mailbox_answers_the_settings():
    assert parse(body(port=2525)) == MailboxSettings(
        host="smtp.example.co.jp", port=2525, security="starttls", username=USERNAME, password=PASSWORD
    )


@pytest.mark.parametrize(("security", "port"), [("starttls", 587), ("tls", 465)])
def test_the_port_defaults_by_security(security, port):
    assert parse(body(security=security)).port == port
    assert parse(body(security=security, port=None)).port == port


def test_security_none_defaults_to_port_25():
    assert parse(body(host="localhost", security="none"), allow_private_hosts=True).port == 25


def test_a_body_that_is_not_an_object_is_refused():
    assert details(["host"]) == {"body": "invalid"}


def test_unknown_fields_are_refused():
    assert details(body(from_name="Rep", tls=True)) == {"from_name": "unknown_field", "tls": "unknown_field"}


def test_every_wrong_field_has_its_detail():
    assert details({"host": "smtp..example", "security": "ssl", "port": 0, "username": "", "password": ""}) == {
        "host": "invalid", "security": "invalid", "port": "invalid", "username": "required", "password": "invalid",
    }


def test_missing_fields_are_required():
    assert details({}) == {"host": "required", "security": "required", "username": "required", "password": "required"}
    assert details(body(host="   ")) == {"host": "required"}


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("smtp.example.co.jp", "smtp.example.co.jp"),
        (" SMTP.Example.COM. ", "smtp.example.com"),
        ("ｓｍｔｐ．ｅｘａｍｐｌｅ．ｊｐ", "smtp.example.jp"),
        ("メール.例え.jp", "メール.例え.jp"),
        ("xn--r8jz45g.jp", "xn--r8jz45g.jp"),
        ("mail-1.example.com", "mail-1.example.com"),
        ("93.184.216.34", "93.184.216.34"),
        ("2606:4700:0::1111", "2606:4700::1111"),
    ],
)
def test_host_names_and_public_ip_addresses_are_accepted(given, kept):
    assert parse(body(host=given)).host == kept


@pytest.mark.parametrize(
    "host",
    [
        "smtp_example.com",
        "-smtp.example.com",
        "smtp-.example.com",
        "smtp..example.com",
        "smtp.example.com:587",
        "https://smtp.example.com",
        "smtp example.com",
        "a" * 64 + ".example.com",
        ".".join(["a" * 63] * 4) + ".jp",  # 255 characters
        "127.1",
        "2130706433",
        "999.1.1.1",
        "[::1]",
        5,
        ["smtp.example.com"],
    ],
)
def test_hosts_that_are_neither_names_nor_ip_addresses_are_refused(host):
    assert details(body(host=host), allow_private_hosts=True) == {"host": "invalid"}


def test_a_host_name_of_253_characters_is_accepted():
    host = ".".join(["a" * 63] * 3) + "." + "b" * 61
    assert len(host) == 253
    assert parse(body(host=host)).host == host


@pytest.mark.parametrize(
    "host",
    ["localhost", "LOCALHOST", "127.0.0.1", "127.0.0.53", "10.1.2.3", "172.16.0.1", "192.168.1.10",
     "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "240.0.0.1", "::1", "fe80::1", "fd00::25",
     "::ffff:10.0.0.1", "::", "2002:a9fe:a9fe::"],
)
def test_internal_hosts_are_refused_unless_allowed(host):
    assert details(body(host=host)) == {"host": "private_host"}
    assert parse(body(host=host), allow_private_hosts=True).host


@pytest.mark.parametrize("host", ["localhost", "127.0.0.1", "127.10.20.30", "::1"])
def test_security_none_is_allowed_for_a_loopback_host(host):
    settings = parse(body(host=host, security="none"), allow_private_hosts=True)
    assert (settings.security, settings.port) == ("none", 25)


@pytest.mark.parametrize("host", ["smtp.example.co.jp", "93.184.216.34", "192.168.1.10"])
def test_security_none_is_refused_off_this_machine(host):
    with pytest.raises(ValidationFailed) as failure:
        parse(body(host=host, security="none"), allow_private_hosts=True)
    [detail] = failure.value.details
    assert (detail.field, detail.code) == ("security", "insecure")
    assert "clear text" in detail.message


@pytest.mark.parametrize("port", [0, 65536, -25, "587", 587.0, True])
def test_ports_out_of_range_or_not_whole_numbers_are_refused(port):
    assert details(body(port=port)) == {"port": "invalid"}


@pytest.mark.parametrize("port", [1, 2525, 65535])
def test_ports_from_1_to_65535_are_accepted(port):
    assert parse(body(port=port)).port == port


@pytest.mark.parametrize("security", ["ssl", "STARTTLS", "", 1])
def test_unknown_securities_are_refused(security):
    assert details(body(security=security)) == {"security": "invalid"}


def test_the_username_is_trimmed_and_up_to_256_characters():
    assert parse(body(username="  rep  ")).username == "rep"
    assert parse(body(username="u" * 256)).username == "u" * 256


@pytest.mark.parametrize("username", ["u" * 257, "rep\nBcc: x", "rep\x00", "担当者", 42])
def test_usernames_too_long_with_control_characters_or_not_ascii_are_refused(username):
    assert details(body(username=username)) == {"username": "invalid"}


@pytest.mark.parametrize("username", [None, "", "   "])
def test_a_missing_username_is_required(username):
    assert details(body(username=username)) == {"username": "required"}


def test_the_password_is_required_the_first_time_only():
    first = body()
    del first["password"]
    assert details(first) == {"password": "required"}
    assert parse(first, has_password=True).password is None
    assert parse(body(password=None), has_password=True).password is None


def test_the_password_is_kept_as_given():
    assert parse(body(password="  spaced out  ")).password == "  spaced out  "
    assert parse(body(password="p" * 1024)).password == "p" * 1024


@pytest.mark.parametrize(
    "password", ["p" * 1025, "line\r\nbreak", "line\nbreak", "nul\x00", "", "パスワード", 1234]
)
def test_wrong_passwords_are_refused_even_when_one_is_stored(password):
    assert details(body(password=password), has_password=True) == {"password": "invalid"}


def test_the_settings_never_show_the_password():
    settings = parse(body())
    assert PASSWORD not in repr(settings)
    assert public_mailbox(settings, password_set=True) == {
        "host": "smtp.example.co.jp", "port": 587, "security": "starttls", "username": USERNAME, "password_set": True,
    }
    assert public_mailbox(settings, password_set=False)["password_set"] is False


# --- private_address ----------------------------------------------------------------------

@pytest.mark.parametrize(
    "ip",
    ["127.0.0.1", "10.0.0.1", "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "0.0.0.0",
     "224.0.0.251", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1", "ff02::1",
     "::ffff:127.0.0.1", "::ffff:192.168.0.1",
     "2002:a9fe:a9fe::", "2002:a00:1::1", "2002:7f00:1::", "64:ff9b::a9fe:a9fe",
     "2001:0:4136:e378:8000:63bf:f5fe:fefe"],
)
def test_private_addresses(ip):
    assert private_address(ip) is True


@pytest.mark.parametrize("ip", ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"])
def test_public_addresses(ip):
    assert private_address(ip) is False


def test_private_address_wants_an_ip_address():
    with pytest.raises(ValueError):
        private_address("smtp.example.com")


def test_smtp_failures_are_the_error_every_transport_raises():
    assert TransportFailed is errors.TransportFailed
