"""Secrets Manager's forced deletion as AWS does it: in the background.

moto removes a secret deleted with ForceDeleteWithoutRecovery at once, so creating a secret of
the same name right after works. In AWS "Secrets Manager performs the actual deletion with an
asynchronous background process, so there might be a short delay before the secret is
permanently deleted" (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_DeleteSecret.html):
meanwhile the secret is marked deleted, and CreateSecret of its name fails with
InvalidRequestException (so does reading or writing its value).
"""

from __future__ import annotations

import threading
from typing import Any

FORCED_DELETION_SECONDS = 30.0  # how long the emulated background deletion takes


def delete_in_background() -> None:
    """Replace moto's immediate forced deletion by a deleted-marked secret gone after
    FORCED_DELETION_SECONDS, and its CreateSecret of a deleted-marked name (ResourceExistsException)
    by AWS's InvalidRequestException."""
    from moto.secretsmanager.exceptions import InvalidRequestException
    from moto.secretsmanager.models import SecretsManagerBackend

    if getattr(SecretsManagerBackend.delete_secret, "deletes_in_background", False):
        return
    delete, create = SecretsManagerBackend.delete_secret, SecretsManagerBackend.create_secret

    def delete_secret(self: SecretsManagerBackend, secret_id: str, recovery_window_in_days: int | None,
                      force_delete_without_recovery: bool) -> tuple[str, str, float]:
        secret = self.secrets.get(secret_id) if force_delete_without_recovery else None
        answer = delete(self, secret_id, recovery_window_in_days, force_delete_without_recovery)
        if secret is not None and not secret.is_deleted():
            self.secrets[secret.name] = secret  # back, marked deleted, until the background deletion
            secret.delete(answer[2])
            timer = threading.Timer(FORCED_DELETION_SECONDS, _remove, (self, secret))
            timer.daemon = True
            timer.start()
        return answer

    def create_secret(self: SecretsManagerBackend, name: str, *args: Any, **kwargs: Any) -> str:
        existing = self.secrets.get(name)
        if existing is not None and existing.is_deleted():
            raise InvalidRequestException(
                "You can't create this secret because a secret with this name is already scheduled for deletion.")
        return create(self, name, *args, **kwargs)

    delete_secret.deletes_in_background = True
    SecretsManagerBackend.delete_secret = delete_secret
    SecretsManagerBackend.create_secret = create_secret


def _remove(backend: Any, secret: Any) -> None:
    if backend.secrets.get(secret.name) is secret and secret.is_deleted():
        backend.secrets.pop(secret.name)
