"""``crm admin``: the operator's commands, with the deployer's AWS credentials (boto3 and
shared/, unlike the rest of ``crm``, which is a client of the HTTP API only).

``crm admin create-tenant --tenant ID --name NAME --owner-email EMAIL [--owner-name NAME] [--local]``
creates the tenant's record and its first owner: the Cognito user (Cognito mails the temporary
password) and the member record, in the order shared.services.members documents. Run again, it
changes nothing and says so. Against AWS it needs the stack's table and user pool in the
environment (TABLE_NAME, USER_POOL_ID: the stack's outputs TableName and UserPoolId); with
``--local`` it talks to the running ``make dev`` stack's embedded emulation, which needs no
credentials, and prints the temporary password (it also lands in /_local/outbox).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any


def add_commands(commands: Any) -> None:
    admin = commands.add_parser("admin", help="operator commands (AWS credentials; --local: the local stack)",
                                description="Operator commands, run with the deployer's AWS credentials.")
    actions = admin.add_subparsers(dest="admin_command", required=True, metavar="{create-tenant}")
    create = actions.add_parser(
        "create-tenant", help="create a tenant and its first owner (Cognito mails the temporary password)",
        description="Create a tenant and its first owner; run again, it changes nothing.")
    create.add_argument("--tenant", required=True, metavar="ID", help="the tenant id (letters, digits, _ . : -)")
    create.add_argument("--name", required=True, help="the tenant's display name")
    create.add_argument("--owner-email", required=True, metavar="EMAIL")
    create.add_argument("--owner-name", metavar="NAME", help="the owner's name (Cognito's `name` attribute)")
    create.add_argument("--local", action="store_true",
                        help="against the running `make dev` stack (env CRM_LOCAL_DATA names its data folder)")


def run(args: argparse.Namespace) -> int:
    """`crm admin …`: 0 done (or already done), 1 refused, 2 a usage error."""
    problem = _check(args)
    if problem:
        print(f"crm admin: error: {problem}", file=sys.stderr)
        return 2
    password = None
    if args.local:
        problem = _use_local_stack()
        if problem:
            print(f"crm admin: error: {problem}", file=sys.stderr)
            return 2
        from infra.local.invitations import temporary_password  # the local emulation's own, printed here

        password = temporary_password()
    missing = [name for name in ("TABLE_NAME", "USER_POOL_ID") if not os.environ.get(name)]
    if missing:
        print(f"crm admin: error: set {' and '.join(missing)} (the stack's outputs) or use --local", file=sys.stderr)
        return 2
    from shared.errors import CrmError
    from shared.services import members

    try:
        outcome = members.create_tenant(args.tenant, args.name, args.owner_email.strip(), args.owner_name, password)
    except CrmError as error:
        print(f"crm admin: error: {error.message}", file=sys.stderr)
        return 1
    owner = outcome["owner"]
    print(f"tenant {args.tenant}: {'created' if outcome['tenant_created'] else 'exists already'}")
    if outcome["owner_created"]:
        print(f"owner {owner['email']} ({owner['id']}): invited; Cognito mailed the temporary password")
        if password is not None:
            print(f"temporary password: {password}")
    else:
        print(f"owner {owner['email']} ({owner['id']}): a member already ({owner['role']}, {owner['status']})")
    return 0


def _check(args: argparse.Namespace) -> str | None:
    from shared import keys
    from shared.domain import validation

    if not keys.is_plain_id(args.tenant) or len(args.tenant) > 64:  # custom:tenant_id holds at most 64 (template.yaml)
        return "--tenant must be 1 to 64 letters, digits, _ . : or -"
    email, error = validation.email(args.owner_email)
    if error or not email:
        return f"--owner-email {error or 'is required'}"
    if not args.name.strip():
        return "--name must not be empty"
    return None


def _use_local_stack() -> str | None:
    """Point this process at the running local stack's emulation, table and user pool."""
    from infra.local import default_data_dir, use_running_stack

    data_dir = Path(os.environ.get("CRM_LOCAL_DATA") or default_data_dir())
    if use_running_stack(data_dir) is None:
        return f"no local stack is running from {data_dir.resolve()}: start it (`make dev`)"
    return None
