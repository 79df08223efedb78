"""A real IMAP server for the mailbox sync tests: Dovecot (Debian's dovecot-imapd, installed by
the Makefile) started as an unprivileged instance of its own (its config, a passwd-file passdb,
maildirs under the test's tmp directory) on a free loopback port, plus a TCP proxy that cuts
the connection after a number of bytes, for the server that drops a fetch half-way."""

from __future__ import annotations

import grp
import imaplib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from smtp_support import free_port

DOVECOT = "/usr/sbin/dovecot"
IMAP_PASSWORD = "imap secret 1"
ACCOUNTS = 100


def _user(number: int) -> str:
    return f"rep{number}@example.jp"

_CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = crm-test-{port}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login{mechanisms}
first_valid_uid = 1
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
{oauth2_passdb}userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  chroot =
}}
"""


@dataclass
class ImapServer:
    root: Path
    port: int
    _accounts: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def account(self) -> str:
        """A mailbox user no test used yet (its password IMAP_PASSWORD), so tests sharing the server
        never meet. The passwd file lists them all from the start: Dovecot may not notice a file
        changed twice within one second."""
        number = next(self._accounts)
        assert number <= ACCOUNTS, "more IMAP accounts than the passwd file lists"
        return _user(number)

    def append(self, user: str, folder: str, raw: bytes) -> None:
        """Puts a message into the user's folder with IMAP APPEND, as a mail client saves it."""
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, IMAP_PASSWORD)
            status, detail = client.append(folder, None, None, raw)
            assert status == "OK", detail
        finally:
            client.logout()

    def uidvalidity(self, user: str, folder: str) -> int:
        client = imaplib.IMAP4("127.0.0.1", self.port)
        try:
            client.login(user, IMAP_PASSWORD)
            client.select(folder, readonly=True)
            return int(client.response("UIDVALIDITY")[1][0])
        finally:
            client.logout()


# XOAUTH2 logins (RFC 7628's OAUTHBEARER's predecessor, as Gmail and Microsoft 365 take them):
# Dovecot's oauth2 passdb asks the token endpoint's introspection (RFC 7662) about each bearer token.
_OAUTH2_PASSDB = """\
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {root}/dovecot-oauth2.conf.ext
}}
"""
_OAUTH2_CONFIG = """\
introspection_mode = post
introspection_url = {introspection_url}
username_attribute = username
active_attribute = active
active_value = true
"""


def _users() -> dict[str, object]:
    """Who the instance runs as: this user when not root; Dovecot refuses root for its login and
    mail processes, so as root its own system users (dovenull, dovecot) do."""
    if os.getuid() != 0:
        me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        return {"internal_user": me, "internal_group": group, "login_user": me, "uid": os.getuid(), "gid": os.getgid()}
    mail = pwd.getpwnam("dovecot")
    return {"internal_user": "dovecot", "internal_group": grp.getgrgid(mail.pw_gid).gr_name, "login_user": "dovenull",
            "uid": mail.pw_uid, "gid": mail.pw_gid}


def _greets(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
            return probe.recv(64).startswith(b"* OK")
    except OSError:
        return False


@contextmanager
def running_dovecot(introspection_url: str | None = None) -> Iterator[ImapServer]:
    """A Dovecot IMAP server on 127.0.0.1 (security `none`, loopback) while the block runs, taking
    XOAUTH2 logins too when given the token introspection URL. Its directory is a fresh one under
    /tmp, not pytest's tmp_path: Dovecot's own users (when run as root) must reach the passwd file
    and the maildirs, and pytest's directories are private."""
    if not os.path.exists(DOVECOT):
        raise RuntimeError("Dovecot is not installed: `make dovecot` installs dovecot-imapd (apt)")
    root = Path(tempfile.mkdtemp(prefix="crm-dovecot-"))
    users, port = _users(), free_port()
    for directory in ("run", "state", "home"):
        (root / directory).mkdir()
    shutil.chown(root / "home", user=users["uid"], group=users["gid"])
    root.chmod(0o755)
    (root / "passwd").write_text("".join(f"{_user(n)}:{{PLAIN}}{IMAP_PASSWORD}\n" for n in range(1, ACCOUNTS + 1)))
    config = root / "dovecot.conf"
    oauth2 = {"mechanisms": "", "oauth2_passdb": ""}
    if introspection_url:
        (root / "dovecot-oauth2.conf.ext").write_text(_OAUTH2_CONFIG.format(introspection_url=introspection_url))
        oauth2 = {"mechanisms": " xoauth2 oauthbearer", "oauth2_passdb": _OAUTH2_PASSDB.format(root=root)}
    config.write_text(_CONFIG.format(root=root, port=port, **oauth2, **users))
    process = subprocess.Popen([DOVECOT, "-F", "-c", str(config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while not _greets(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                raise RuntimeError(f"Dovecot did not start: {log}")
            time.sleep(0.1)
        yield ImapServer(root, port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def imap_server():
    """A Dovecot IMAP server for the module's tests (running_dovecot)."""
    with running_dovecot() as server:
        yield server


class CuttingProxy:
    """A TCP proxy to the IMAP server that, once armed, closes the connection part-way through
    the server's answer to the client's `fetch_number`-th UID FETCH (after `bytes_into` bytes of
    it): a server dropping the connection mid-fetch."""

    def __init__(self, target_port: int):
        self.target_port = target_port
        self.cuts = 0
        self._armed: tuple[int, int] | None = None
        self._fetches = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def arm(self, fetch_number: int, bytes_into: int) -> None:
        self._armed, self._fetches = (fetch_number, bytes_into), 0

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._requests, args=(client, server), daemon=True).start()
            threading.Thread(target=self._answers, args=(server, client), daemon=True).start()

    def _requests(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(4096):
                self._fetches += data.upper().count(b"UID FETCH")
                sink.sendall(data)
        except OSError:
            pass
        _close(source, sink)

    def _answers(self, source: socket.socket, sink: socket.socket) -> None:
        into = 0
        try:
            while data := source.recv(4096):
                if self._armed is not None and self._fetches >= self._armed[0]:
                    left = self._armed[1] - into
                    if len(data) >= left:
                        sink.sendall(data[:left])
                        self._armed = None
                        self.cuts += 1
                        break
                    into += len(data)
                sink.sendall(data)
        except OSError:
            pass
        _close(source, sink)

    def close(self) -> None:
        self._listener.close()


def _close(*ends: socket.socket) -> None:
    for end in ends:
        try:
            end.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        end.close()
