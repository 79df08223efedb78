"""`crm` (infra/crm_cli.py) end to end: the command in a subprocess against the real local stack
(`crm-local serve` in another subprocess, whose queue poller runs the real import and export
workers). Tokens come from the CLI's own default: the stack's user pool issues one for `--tenant`
(`crm-local token`, CRM_LOCAL_DATA), or `crm login` signs in. Each test uses its own tenant (or
user): an export is allowed once per user per 30 minutes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import boto3
import jwt
import pytest

from infra import crm_cli
from infra.local import REPO_ROOT
from stack_support import BASIC_ENV, ServedStack, invitation

JOB_ID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    served = ServedStack(tmp_path_factory.mktemp("crm-cli") / "data", clean_env=True)
    try:
        yield served
        served.stop()
    finally:
        served.process.kill()


def _env(stack: ServedStack | None, **extra: str) -> dict[str, str]:
    env = {name: os.environ[name] for name in BASIC_ENV if name in os.environ}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["XDG_CONFIG_HOME"] = str(REPO_ROOT / ".local" / "no-crm-sessions")  # never the user's `crm login`
    if stack is not None:
        env.update(CRM_LOCAL_DATA=str(stack.data_dir), CRM_API_URL=stack.url)
    env.update(extra)
    return env


def crm(stack: ServedStack | None, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`crm ARGS` (not a TTY: stderr is a pipe)."""
    return subprocess.run([sys.executable, "-m", "infra.crm_cli", *args], capture_output=True, text=True,
                          env=_env(stack, **env), cwd=REPO_ROOT, timeout=120)


def _write_csv(path: Path) -> Path:
    rows = ["姓,名,メール,タグ", '山田,太郎,taro@example.jp,"VIP,展示会"', "佐藤,花子,not-an-email,",
            "鈴木,一郎,ichiro@example.jp,展示会"]
    path.write_bytes(b"\xef\xbb\xbf" + "\r\n".join(rows).encode("utf-8") + b"\r\n")
    return path


MAPS = ("--map", "姓=family_name", "--map", "名=given_name", "--map", "メール=email", "--map", "タグ=tags")


def _import(stack: ServedStack, tmp_path: Path, tenant: str) -> subprocess.CompletedProcess:
    result = crm(stack, "--tenant", tenant, "import", str(_write_csv(tmp_path / "顧客.csv")), *MAPS)
    assert result.returncode == 0, result.stderr
    return result


# --- import and export end to end -----------------------------------------------------------

def test_import_a_japanese_csv_then_export_it_as_cp932(stack, tmp_path):
    result = _import(stack, tmp_path, "cli-roundtrip")

    lines = result.stdout.splitlines()
    assert lines[0] == "imported: 2 created, 0 updated, 0 skipped, 1 failed", result.stdout
    assert lines[1:] == ["row 3, column メール: must be a valid email address, "
                         "such as taro@example.co.jp"], result.stdout

    out = tmp_path / "out.csv"
    result = crm(stack, "--tenant", "cli-roundtrip", "export", "-o", str(out), "--encoding", "cp932",
                 "--fields", "family_name,given_name,email,tags", "--reason", "test")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 2 rows to {out}\n"
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("cp932"))))
    assert rows[0] == ["family_name", "given_name", "email", "tags"]
    assert sorted(rows[1:]) == [["山田", "太郎", "taro@example.jp", "VIP, 展示会"],
                                ["鈴木", "一郎", "ichiro@example.jp", "展示会"]]
    assert not list(tmp_path.glob("*.part"))


def test_a_second_import_updates_or_skips_known_emails(stack, tmp_path):
    _import(stack, tmp_path, "cli-again")

    again = crm(stack, "--tenant", "cli-again", "import", str(tmp_path / "顧客.csv"), *MAPS, "--on-duplicate", "skip")

    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[0] == "imported: 0 created, 0 updated, 2 skipped, 1 failed"

    (tmp_path / "吉.csv").write_text("姓,メール\n𠮷野,yoshino@example.jp\n山田,taro@example.jp\n", encoding="utf-8")
    updated = crm(stack, "--tenant", "cli-again", "import", str(tmp_path / "吉.csv"), "--map", "姓=family_name",
                  "--map", "メール=email")
    assert updated.stdout == "imported: 1 created, 1 updated, 0 skipped, 0 failed\n", updated.stderr

    out = tmp_path / "sjis.csv"
    exported = crm(stack, "--tenant", "cli-again", "export", "-o", str(out), "--encoding", "cp932",
                   "--fields", "family_name", "--reason", "test")
    assert exported.stdout == f'exported 3 rows to {out} (1 character cp932 could not hold was replaced by "?")\n'
    assert sorted(out.read_bytes().decode("cp932").split()) == ["?野", "family_name", "山田", "鈴木"]


def test_export_xlsx_and_a_password_protected_zip(stack, tmp_path):
    _import(stack, tmp_path, "cli-xlsx")
    # localhost: the export's download_url names 127.0.0.1, so the CLI goes through the API it was given
    api = stack.url.replace("127.0.0.1", "localhost")

    xlsx = tmp_path / "contacts.xlsx"
    result = crm(stack, "--api", api, "--tenant", "cli-xlsx", "export", "-o", str(xlsx), "--format", "xlsx",
                 "--fields", "family_name,email", "--reason", "test")

    assert result.returncode == 0, result.stderr
    assert xlsx.read_bytes()[:4] == b"PK\x03\x04"
    with zipfile.ZipFile(xlsx) as book:
        assert "xl/workbook.xml" in book.namelist()

    pyzipper = pytest.importorskip("pyzipper")
    protected = tmp_path / "contacts.zip"
    result = crm(stack, "--tenant", "cli-xlsx", "--user", "second@example.jp", "export", "-o", str(protected),
                 "--format", "xlsx", "--password", "secret12", "--reason", "test")

    assert result.returncode == 0, result.stderr
    assert result.stdout == f"exported 2 rows to {protected}\n"
    with pyzipper.AESZipFile(protected) as archive:
        archive.setpassword(b"secret12")
        [member] = archive.namelist()
        assert member.endswith(".xlsx") and archive.read(member)[:4] == b"PK\x03\x04"


# --- errors ----------------------------------------------------------------------------------

def test_a_second_export_within_30_minutes_says_when_to_retry(stack, tmp_path):
    first = crm(stack, "--tenant", "cli-limit", "export", "-o", str(tmp_path / "a.csv"), "--reason", "test")
    assert first.returncode == 0, first.stderr

    second = crm(stack, "--tenant", "cli-limit", "export", "-o", str(tmp_path / "b.csv"), "--reason", "test")

    assert second.returncode == 1
    assert second.stderr.startswith("error: You started an export less than 30 minutes ago")
    assert re.search(r"^retry after \d+ min \d+ s \(at \d\d:\d\d\)$", second.stderr, re.M), second.stderr
    assert not (tmp_path / "b.csv").exists()


def test_a_mapping_to_an_unknown_field_names_the_column(stack, tmp_path):
    result = crm(stack, "--tenant", "cli-mapping", "import", str(_write_csv(tmp_path / "c.csv")),
                 "--map", "姓=surname", "--map", "メール=email")

    assert result.returncode == 1
    assert "error: Some fields are invalid" in result.stderr
    assert re.search(r"^  mapping\.姓: 'surname' is not a contact field", result.stderr, re.M), result.stderr


def test_an_invalid_export_request_lists_the_details(stack, tmp_path):
    result = crm(stack, "--tenant", "cli-invalid", "export", "-o", str(tmp_path / "x.csv"),
                 "--fields", "family_name,shoe_size", "--reason", "test")

    assert result.returncode == 1
    assert re.search(r"^  fields\[1\]: 'shoe_size' is not", result.stderr, re.M), result.stderr


def test_a_bad_token_is_refused_with_a_hint(stack, tmp_path):
    result = crm(stack, "--token", "not-a-jwt", "export", "-o", str(tmp_path / "x.csv"), "--reason", "test")

    assert result.returncode == 1
    assert result.stderr.startswith("error: ") and "--token" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (("import", "missing.csv", "--map", "姓=family_name"), "missing.csv: no such file"),
    (("import", "pyproject.toml"), "--map"),
    (("import", "pyproject.toml", "--map", "no-equals-sign"), 'expected "COLUMN=FIELD"'),
    (("import", "pyproject.toml", "--map-json", "{nope"), "--map-json is not JSON"),
    (("export", "-o", "x.csv", "--reason", "r", "--filter", "{nope"), "--filter is not JSON"),
    (("export", "-o", "no/such/folder/x.csv", "--reason", "r"), "does not exist"),
    (("export", "-o", "x.csv"), "--reason"),  # argparse's own
    (("export", "-o", "x.csv", "--reason", "r", "--filter", "{}", "--segment", "s1"), "not allowed with"),
    (("--api", "ftp://example.jp", "export", "-o", "x.csv", "--reason", "r"), "is not an http(s) URL"),
])
def test_usage_errors_exit_2_before_any_request(args, message):
    result = crm(None, *args, CRM_API_URL="http://127.0.0.1:9")  # nothing listens there

    assert result.returncode == 2, result.stderr
    assert message in result.stderr


def test_a_remote_api_without_a_token_exits_2_without_the_network(tmp_path):
    result = crm(None, "--api", "https://example.invalid", "export", "-o", str(tmp_path / "x.csv"), "--reason", "r")

    assert result.returncode == 2
    assert "pass --token or set CRM_TOKEN" in result.stderr


def test_an_unreachable_api_exits_1(tmp_path):
    result = crm(None, "--api", "http://127.0.0.1:9", "--token", "t", "export", "-o", str(tmp_path / "x.csv"),
                 "--reason", "r")

    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:9")


# --- --no-wait, progress, interruption -------------------------------------------------------

def test_no_wait_prints_the_job_id(stack, tmp_path):
    imported = crm(stack, "--tenant", "cli-nowait", "import", str(_write_csv(tmp_path / "c.csv")), *MAPS,
                   "--no-wait")
    exported = crm(stack, "export", "--tenant", "cli-nowait", "-o", str(tmp_path / "x.csv"), "--reason", "r",
                   "--no-wait")  # the connection options work after the command too

    for result in (imported, exported):
        assert result.returncode == 0, result.stderr
        assert JOB_ID.match(result.stdout.strip()), result.stdout
    assert not (tmp_path / "x.csv").exists()


def test_progress_without_a_tty_is_a_few_plain_lines(stack, tmp_path):
    result = _import(stack, tmp_path, "cli-progress")

    progress = [line for line in result.stderr.splitlines() if line.startswith("[")]
    assert "\r" not in result.stderr
    assert progress or result.stdout.startswith("imported:")
    assert all(re.fullmatch(r"\[[#.]{20}\] +\d+%  .+", line) for line in progress), progress
    assert len(progress) <= 11


def test_ctrl_c_while_waiting_prints_the_job_id(stack, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRM_LOCAL_DATA", str(stack.data_dir))
    monkeypatch.setenv("CRM_API_URL", stack.url)
    monkeypatch.delenv("CRM_TOKEN", raising=False)

    def interrupted(self, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(crm_cli.Api, "poll", interrupted)

    status = crm_cli.main(["--tenant", "cli-ctrl-c", "import", str(_write_csv(tmp_path / "c.csv")), *MAPS])

    assert status == 130
    assert re.search(r"interrupted: the import [0-9A-Z]{26} goes on; see GET /v1/imports/[0-9A-Z]{26}",
                     capsys.readouterr().err)


# --- pieces ----------------------------------------------------------------------------------

def test_mapping_splits_at_the_last_equals_sign_and_map_wins_over_map_json():
    mapping = crm_cli.parse_mapping(["a=b=email", " 姓 = family_name "], '{"姓": "given_name", "タグ": "tags"}')

    assert mapping == {"姓": "family_name", "タグ": "tags", "a=b": "email"}


def test_progress_on_a_terminal_redraws_one_line_and_elsewhere_prints_every_10_points():
    terminal, log = io.StringIO(), io.StringIO()
    for stream, tty in ((terminal, True), (log, False)):
        progress = crm_cli.Progress(stream, tty=tty)
        for fraction in (0, 0.05, 0.1, 0.15, 0.5, 0.55, 1.0):
            progress.show(fraction, f"{int(fraction * 2468):,} rows")
        progress.show(0.5, "1.0 MB downloaded", transfer=True)
        progress.end()

    assert terminal.getvalue().count("\r") == 8 and terminal.getvalue().endswith("\n")
    assert "\r[##########..........]  50%  1,234 rows\x1b[K" in terminal.getvalue()
    assert log.getvalue().splitlines() == [
        "[....................]   0%  0 rows", "[##..................]  10%  246 rows",
        "[##########..........]  50%  1,234 rows", "[####################] 100%  2,468 rows"]


def test_the_cli_imports_neither_boto3_nor_shared(stack):
    code = ("import sys, infra.crm_cli as cli; cli.local_token('t', 'a@example.jp', 'owner'); "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'shared', 'moto'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT,
                            env=_env(stack), timeout=60)

    assert result.stdout == "[]\n", result.stderr


# --- crm login ------------------------------------------------------------------------------------

def _auth_config(stack: ServedStack) -> dict:
    import urllib.request

    with urllib.request.urlopen(stack.url + "/auth/config", timeout=10) as response:
        return json.loads(response.read())


def _cognito(stack: ServedStack):
    """A client of the stack's Cognito (the emulation), and GET /auth/config."""
    config = _auth_config(stack)
    client = boto3.client("cognito-idp", endpoint_url=config["cognito_endpoint"], region_name=config["region"],
                          aws_access_key_id="local", aws_secret_access_key="local")
    return client, config


def _invite(stack: ServedStack, email: str, temporary: str, tenant: str, role: str) -> str:
    """EMAIL invited into TENANT by its owner through POST /v1/members (Cognito mails a temporary
    password, which is then set to TEMPORARY, still to be changed at first sign-in): their id."""
    from infra.local.sign_in import id_token

    owner = id_token(stack.data_dir, tenant, f"owner@{tenant}.example.jp", "owner")
    invited = crm_cli.Api(stack.url, owner).call("POST", "/v1/members",
                                                 {"email": email, "name": "招待 太郎", "role": role})
    cognito, config = _cognito(stack)
    cognito.admin_set_user_password(UserPoolId=config["user_pool_id"], Username=email,
                                    Password=temporary, Permanent=False)
    return invited["id"]


@pytest.fixture
def sessions(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv("CRM_TOKEN", raising=False)
    return tmp_path / "config" / "crm" / "sessions.json"


def test_login_answers_the_new_password_challenge_and_crm_sends_that_token(stack, sessions, monkeypatch, capsys):
    sub = _invite(stack, "invited@cli-login.example.jp", "Temporary-Passw0rd", "cli-login", "manager")
    asked = iter(["Chosen-Passw0rd-1", "Chosen-Passw0rd-1"])
    monkeypatch.setattr(crm_cli.getpass, "getpass", lambda prompt="": next(asked))

    assert crm_cli.main(["--api", stack.url, "login", "--email", "invited@cli-login.example.jp",
                         "--password", "Temporary-Passw0rd"]) == 0, capsys.readouterr().err

    assert next(asked, None) is None  # the new password was asked for, twice
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o600
    token = json.loads(sessions.read_text())[stack.url]["id_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["sub"], claims["custom:tenant_id"], claims["custom:role"]) == (sub, "cli-login", "manager")
    args = crm_cli.build_parser().parse_args(["--api", stack.url, "import", "x.csv", "--map", "a=email"])
    assert crm_cli.resolve_token(args, stack.url) == token  # what crm sends from now on
    assert crm_cli.Api(stack.url, token).call("GET", "/v1/contacts")["items"] == []

    monkeypatch.setattr(crm_cli.getpass, "getpass", lambda prompt="": pytest.fail("asked again: " + prompt))
    assert crm_cli.main(["--api", stack.url, "login", "--email", "invited@cli-login.example.jp",
                         "--password", "Chosen-Passw0rd-1"]) == 0  # the new password, without a challenge


def test_login_with_a_wrong_password_exits_1_and_keeps_nothing(stack, sessions, capsys):
    _invite(stack, "wrong@cli-login.example.jp", "Temporary-Passw0rd", "cli-login", "user")

    assert crm_cli.main(["--api", stack.url, "login", "--email", "wrong@cli-login.example.jp",
                         "--password", "Not-The-Passw0rd"]) == 1

    assert "Incorrect username or password" in capsys.readouterr().err
    assert not sessions.exists()


# --- the README's walk-through: a team comes in --------------------------------------------------

def _sign_in_first_time(stack: ServedStack, email: str, temporary: str, chosen: str) -> str:
    """What the console does: InitiateAuth with the temporary password, then the new-password
    challenge; the ID token."""
    cognito, config = _cognito(stack)
    client_id = config["client_id"]
    answer = cognito.initiate_auth(ClientId=client_id, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": temporary})
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answer = cognito.respond_to_auth_challenge(ClientId=client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
                                               Session=answer["Session"],
                                               ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": chosen})
    return answer["AuthenticationResult"]["IdToken"]


def _temporary_password_mailed_to(stack: ServedStack, email: str) -> str:
    outbox = crm_cli.Api(stack.url, None).call("GET", "/_local/outbox")["items"]
    [mailed] = [message for message in outbox if message["to"] == [email] and message["transport"] == "cognito"]
    return invitation(mailed["raw"])[1]


def test_a_team_comes_in_signs_in_invites_a_manager_and_disables_them(stack, sessions, monkeypatch, capsys):
    """Issue 19's "done when", as the README walks it: an operator creates the tenant, its owner
    signs in with `crm login` (temporary password, then their own), invites a manager, who signs
    in through Cognito and creates a contact they own; once the owner disables them, the
    manager's still-valid token is refused."""
    owner_email, manager_email = "owner@walk-through.example.jp", "manager@walk-through.example.jp"
    created = crm(stack, "admin", "create-tenant", "--local", "--tenant", "walk-through", "--name", "株式会社ウォーク",
                  "--owner-email", owner_email, "--owner-name", "山田 太郎")
    assert created.returncode == 0, created.stderr
    assert "tenant walk-through: created" in created.stdout
    temporary = re.search(r"^temporary password: (\S+)$", created.stdout, re.MULTILINE).group(1)
    again = crm(stack, "admin", "create-tenant", "--local", "--tenant", "walk-through", "--name", "株式会社ウォーク",
                "--owner-email", owner_email)
    assert again.returncode == 0 and "exists already" in again.stdout and "temporary password" not in again.stdout

    asked = iter(["Owner-Passw0rd-1", "Owner-Passw0rd-1"])
    monkeypatch.setattr(crm_cli.getpass, "getpass", lambda prompt="": next(asked))
    assert crm_cli.main(["--api", stack.url, "login", "--email", owner_email, "--password", temporary]) == 0, \
        capsys.readouterr().err
    owner = crm_cli.Api(stack.url, json.loads(sessions.read_text())[stack.url]["id_token"])
    me = owner.call("GET", "/v1/me")
    assert (me["email"], me["role"], me["status"], me["name"]) == (owner_email, "owner", "active", "山田 太郎")

    invited = owner.call("POST", "/v1/members", {"email": manager_email, "name": "佐藤 花子", "role": "manager"})
    assert (invited["role"], invited["status"]) == ("manager", "invited")
    manager = crm_cli.Api(stack.url, _sign_in_first_time(
        stack, manager_email, _temporary_password_mailed_to(stack, manager_email), "Manager-Passw0rd-1"))
    contact = manager.call("POST", "/v1/contacts", {"family_name": "鈴木", "email": "suzuki@example.jp",
                                                    "owner_id": invited["id"]})
    assert contact["owner_id"] == invited["id"]
    members = {member["id"]: member for member in owner.call("GET", "/v1/members")["items"]}
    assert members[invited["id"]]["status"] == "active"  # since their first request

    assert owner.call("PATCH", f"/v1/members/{invited['id']}", {"disabled": True})["status"] == "disabled"
    with pytest.raises(crm_cli.ApiError) as refused:
        manager.call("GET", f"/v1/contacts/{contact['id']}")
    assert refused.value.status == 401
    assert owner.call("GET", f"/v1/contacts/{contact['id']}")["owner_id"] == invited["id"]
