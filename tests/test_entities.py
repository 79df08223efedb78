"""shared.domain.entities: the typed entities the layers hand each other are what the table
stores, key for key, so a read (shared.db) gives every key the type names and nothing else."""

from __future__ import annotations

import types
import typing

import pytest
from pynamodb.attributes import BooleanAttribute, ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute

from shared.domain.entities import Email, Job, Mailbox
from shared.domain.lifecycle import sent_at, target_count

_ITEM_ONLY = {"pk", "sk", "kind", "version"}  # the table's own: keys, the discriminator, optimistic locking
_PYTHON_TYPE = {UnicodeAttribute: str, BooleanAttribute: bool, NumberAttribute: (int, float), ListAttribute: list,
                MapAttribute: dict}
_READ_AS_DEFAULT = {("Job", "cleanup"), ("Mailbox", "imap_folders")}  # stored null, read as its empty value


def _stored(kind) -> dict[str, type]:
    return {name: _PYTHON_TYPE[type(attribute)] for name, attribute in kind.get_attributes().items()
            if name not in _ITEM_ONLY and not name.startswith("gsi")}


@pytest.mark.parametrize(("entity", "kind_name"), [(Email, "EmailItem"), (Job, "JobItem"), (Mailbox, "MailboxItem")])
def test_an_entity_has_exactly_the_stored_attributes_with_their_types(entity, kind_name, moto_endpoint):
    from shared.db import models  # after the stack's environment: the models take the table's name from it

    kind = getattr(models, kind_name)
    hints = typing.get_type_hints(entity)
    stored = _stored(kind)
    assert set(hints) == set(stored)
    for name, python_type in stored.items():
        union = typing.get_origin(hints[name]) in (typing.Union, types.UnionType)
        hinted = {typing.get_origin(arm) or arm for arm in (typing.get_args(hints[name]) if union else (hints[name],))}
        assert set(python_type if isinstance(python_type, tuple) else (python_type,)) & hinted, \
            f"{name}: stored as {python_type}, typed {hints[name]}"
        nullable = kind.get_attributes()[name].null and (entity.__name__, name) not in _READ_AS_DEFAULT
        assert (type(None) in hinted) == nullable, f"{name}: null={nullable} in the table, typed {hints[name]}"


def test_an_email_not_yet_sent_has_no_sent_time():
    assert sent_at({"email_id": "e1", "sent_at": "2026-04-01T00:00:00.000Z"}) == "2026-04-01T00:00:00.000Z"
    with pytest.raises(ValueError, match="e1 has not been sent"):
        sent_at({"email_id": "e1", "sent_at": None})


def test_a_job_not_started_has_no_target_count():
    assert target_count({"job_id": "j1", "total": 0}) == 0
    with pytest.raises(ValueError, match="j1 has not started"):
        target_count({"job_id": "j1", "total": None})
