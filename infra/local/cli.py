"""``crm-local``: serve the local stack, or print a bearer token it accepts (an ID token of its
user pool)."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import NoReturn

from infra.local import default_data_dir
from infra.local.console import CONSOLE_DIST
from shared.domain.access import ROLES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crm-local", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the whole API on 127.0.0.1")
    serve.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "3000")), help="default: env PORT, else 3000"
    )
    _add_data_dir(serve)

    token = commands.add_parser(
        "token", help="print an ID token of the running stack's user pool (last line), the user made to exist")
    token.add_argument("--tenant", required=True)
    token.add_argument("--user", required=True, metavar="EMAIL")
    token.add_argument("--role", required=True, choices=ROLES)
    token.add_argument("--name", help="display name (the `name` attribute)")
    _add_data_dir(token)

    args = parser.parse_args(argv)
    if args.command == "token":
        from infra.local.sign_in import SignInError, running_stack_id_token

        try:
            print(running_stack_id_token(args.data_dir, args.tenant, args.user, args.role, args.name))
        except SignInError as exc:
            print(f"crm-local token: {exc}", file=sys.stderr)
            return 1
        return 0
    return _serve(args.port, args.data_dir)


def _add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=default_data_dir(),
        help="local data folder (default: env CRM_LOCAL_DATA, else .local/)",
    )


def _serve(port: int, data_dir: Path) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")
    # The request log; "crm-local" is not a child of the functions' Powertools logger "crm".
    logging.getLogger("crm-local").setLevel(logging.INFO)
    from infra.local import dynamodb_realism
    from infra.local.server import LocalStack  # imports moto: only when serving

    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    stack = LocalStack(data_dir, port)
    try:
        stack.start()
    except OSError as exc:
        print(f"crm-local: cannot start: {exc}", file=sys.stderr)
        return 1
    assert stack.aws is not None
    print(f"CRM API on {stack.url}", flush=True)
    console = "" if (CONSOLE_DIST / "index.html").is_file() else " (not built: run `make console`)"
    print(f"Console on {stack.url}/{console}", flush=True)
    if stack.aws.embedded:
        print(
            f"Embedded AWS emulation on {stack.aws.endpoint_url}; local data kept in {data_dir.resolve()}",
            flush=True,
        )
    else:
        print(f"Using the AWS endpoint {stack.aws.endpoint_url} (AWS_ENDPOINT_URL)", flush=True)
    print("Ctrl-C stops.", flush=True)
    stopping.wait()
    print("Stopping…", flush=True)
    stack.stop()
    window = dynamodb_realism.TRANSACTION_WINDOW
    if window.seconds > 0:
        print(f"DynamoDB transaction conflicts emulated: {window.cancelled} transactions cancelled, "
              f"{window.refused} plain writes refused", flush=True)
    _leave(0)


def _leave(status: int) -> NoReturn:
    """Exit without the interpreter's teardown: with 100,000 contacts it frees tens of millions
    of the emulator's objects one by one, for seconds, where the system reclaims the memory at
    once. The final snapshot is written and synced by then (AwsEmulation.stop)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    raise SystemExit(main())
