"""What the stores rely on below PynamoDB's public API (shared/db/pynamodb_internals.py), checked
on the PynamoDB the layer pins: an upgrade that changes one of them fails here, not in a request."""

from __future__ import annotations

import inspect
import re
from importlib.metadata import version
from pathlib import Path

import pytest
from pynamodb.attributes import UnicodeAttribute
from pynamodb.connection import TableConnection
from pynamodb.connection.base import Connection
from pynamodb.models import Model

ROOT = Path(__file__).resolve().parents[1]


def test_the_pynamodb_installed_is_the_one_the_layer_ships():
    pinned = re.search(r"^pynamodb==(\S+)$", (ROOT / "layer" / "requirements.txt").read_text(), re.M)
    assert pinned is not None
    assert version("pynamodb") == pinned.group(1)


def test_a_wrapped_connection_sends_each_request_of_its_models_through_the_wrapper(moto_endpoint):
    from shared.config import CONFIG
    from shared.db.pynamodb_internals import connection_of, wrap_requests

    assert list(inspect.signature(Connection._make_api_call).parameters) == ["self", "operation_name",
                                                                              "operation_kwargs"]

    class Probe(Model):
        class Meta:
            table_name = CONFIG.table_name
            region = CONFIG.region

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)

    sent: list[str] = []

    def recording(send):
        def send_recorded(operation_name, operation_kwargs):
            sent.append(operation_name)
            return send(operation_name, operation_kwargs)
        return send_recorded

    wrap_requests(connection_of(Probe).connection, recording)
    with pytest.raises(Probe.DoesNotExist):
        Probe.get("internals-probe", "none")
    assert Probe.count("internals-probe") == 0  # a Query (Select COUNT)

    assert sent == ["GetItem", "Query"]


def test_a_connection_shared_with_a_model_serves_the_kinds_derived_from_it():
    from shared.db.pynamodb_internals import connection_of, share_connection

    class Probe(Model):
        class Meta:
            table_name = "internals-probe"
            region = "ap-northeast-1"

        pk = UnicodeAttribute(hash_key=True)

    class Derived(Probe):
        pass

    shared = TableConnection("internals-probe", region="ap-northeast-1")
    share_connection(Probe, shared)

    assert connection_of(Probe) is shared and connection_of(Derived) is shared


def test_every_item_kind_talks_through_the_one_connection(moto_endpoint):
    from shared.db.models import TableItem, table_connection

    def kinds(model):
        for kind in model.__subclasses__():
            yield kind
            yield from kinds(kind)

    found = list(kinds(TableItem))
    assert len(found) > 30
    assert all(kind._get_connection() is table_connection() for kind in found)
