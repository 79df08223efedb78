"""ID tokens from the running local stack's user pool, for `crm-local token`, the `crm` client
and the benchmarks: the user is made to exist in the pool with the tenant and role asked for, then
signs in, and Cognito (the emulation) issues the token, as it would in AWS.

Talks to the stack through what it recorded in its data folder (`infra.local.running_aws`).
"""

from __future__ import annotations

import os
import secrets
import subprocess  # nosec B404 - runs our own CLI
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from infra.local import REPO_ROOT, use_running_stack
from shared.domain.access import ROLES
from shared.keys import is_plain_id


class SignInError(Exception):
    """The token cannot be had: a bad argument, no running stack, or Cognito refused."""


def local_cognito(data_dir: Path) -> tuple[Any, dict[str, str]]:
    """A Cognito client on the running stack's emulation and what the stack recorded (endpoint_url,
    region, USER_POOL_ID, USER_POOL_CLIENT_ID); this process then reads and writes that stack's
    table (the member directory)."""
    stack = use_running_stack(data_dir)
    if not stack or not stack.get("USER_POOL_ID"):
        raise SignInError(f"no local stack serves from {data_dir}: start it (`make dev`), "
                          "or set CRM_LOCAL_DATA to its data folder")
    # the emulation takes any credentials; the caller's own (perhaps real AWS ones) are never sent
    client = boto3.client("cognito-idp", endpoint_url=stack["endpoint_url"], region_name=stack["region"],
                          aws_access_key_id="local", aws_secret_access_key="local")
    return client, stack


def id_token(data_dir: Path, tenant: str, email: str, role: str, name: str | None = None) -> str:
    """An ID token of EMAIL, a ROLE of TENANT, issued by the user pool of the stack serving from
    DATA_DIR, through `crm-local token` in a process of its own: seating the member points that
    process's table access at the stack, which a caller with its own (a test session's) must keep."""
    command = [sys.executable, "-m", "infra.local.cli", "token", "--data-dir", str(data_dir), "--tenant", tenant,
               "--user", email, "--role", role, *(["--name", name] if name else [])]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO_ROOT,  # noqa: S603 - our own CLI
                          env={name_: value for name_, value in os.environ.items() if not name_.startswith("AWS_")})
    if done.returncode != 0:
        raise SignInError(done.stderr.strip().removeprefix("crm-local token: ") or
                          f"crm-local token failed ({done.returncode})")
    return done.stdout.strip().splitlines()[-1]


def running_stack_id_token(data_dir: Path, tenant: str, email: str, role: str, name: str | None = None) -> str:
    """`crm-local token`'s work, in this process (see `pool_id_token`)."""
    cognito, stack = local_cognito(data_dir)
    try:
        return pool_id_token(cognito, stack["USER_POOL_ID"], stack["USER_POOL_CLIENT_ID"], tenant, email, role, name)
    except BotoCoreError as error:
        raise SignInError(f"the local stack of {data_dir} does not answer ({error}): is it running?") from None


def pool_id_token(cognito: Any, pool: str, client_id: str, tenant: str, email: str, role: str,
                  name: str | None = None) -> str:
    """An ID token of EMAIL, a ROLE of TENANT, issued by POOL for its app client CLIENT_ID: the user
    is created if missing (invitation suppressed), their role and name updated if they differ, and
    given a new permanent password to sign in with (ADMIN_USER_PASSWORD_AUTH); the user is seated as
    an active member of the tenant in the directory (the table of this process's environment)."""
    if not is_plain_id(tenant):
        raise SignInError(f"not a tenant id: {tenant!r}")
    if "@" not in email:
        raise SignInError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise SignInError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    # The pool's user names are case-insensitive (template.yaml UsernameConfiguration); moto
    # compares them as given, so one spelling is used.
    email = email.strip().lower()
    password = secrets.token_urlsafe(24) + "Aa1"  # the pool's policy: 12+ characters, upper, lower, digit
    try:
        sub = _ensure_user(cognito, pool, tenant, email, {"custom:role": role, **({"name": name} if name else {})})
        cognito.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)
        signed_in = cognito.admin_initiate_auth(UserPoolId=pool, ClientId=client_id,
                                                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                                                AuthParameters={"USERNAME": email, "PASSWORD": password})
    except ClientError as error:
        raise SignInError(f"the user pool refused: {error.response['Error'].get('Message') or error}") from None
    from shared.errors import CrmError
    from shared.services import members  # reads shared.config: only once the environment is set

    try:
        members.seat(tenant, sub, email, role, name)
    except CrmError as error:  # the tenant's last owner asked for another role
        raise SignInError(error.message) from None
    return signed_in["AuthenticationResult"]["IdToken"]


def _ensure_user(cognito: Any, pool: str, tenant: str, email: str, wanted: dict[str, str]) -> str:
    """The user's `sub`, the user made to exist with `wanted` attributes."""
    try:
        user = cognito.admin_get_user(UserPoolId=pool, Username=email)
    except cognito.exceptions.UserNotFoundException:
        attributes = {"email": email, "email_verified": "true", "custom:tenant_id": tenant, **wanted}
        created = cognito.admin_create_user(UserPoolId=pool, Username=email, MessageAction="SUPPRESS",
                                            UserAttributes=[{"Name": key, "Value": value}
                                                            for key, value in attributes.items()])
        return next(attribute["Value"] for attribute in created["User"]["Attributes"] if attribute["Name"] == "sub")
    held = {attribute["Name"]: attribute["Value"] for attribute in user["UserAttributes"]}
    if held.get("custom:tenant_id") != tenant:  # an email belongs to one tenant
        raise SignInError(f"{email} is a user of tenant {held.get('custom:tenant_id')!r}, not {tenant!r}")
    changed = {key: value for key, value in wanted.items() if held.get(key) != value}
    if changed:
        cognito.admin_update_user_attributes(
            UserPoolId=pool, Username=email,
            UserAttributes=[{"Name": key, "Value": value} for key, value in changed.items()])
    return held["sub"]
