"""shared.domain.field_labels and an export's header row (shared.domain.exports.header): the
fields' words in Japanese and English, a custom property by its label."""

from __future__ import annotations

import pytest

from shared.domain import exports
from shared.domain.field_labels import label

PROPERTIES = {"industry": {"key": "industry", "label": "業種", "type": "text", "archived": False}}


@pytest.mark.parametrize("field, japanese, english", [
    ("family_name", "姓", "Family name"), ("given_name_kana", "メイ", "Given name (kana)"),
    ("website", "Webサイト", "Website"), ("last_customer_action_type", "直近顧客行動", "Last customer action type"),
    ("delivery_status", "配信ステータス", "Delivery status"), ("properties.industry", "業種", "業種"),
    ("properties.gone", "properties.gone", "properties.gone"),
])
def test_a_field_is_named_in_either_language(field, japanese, english):
    assert (label(field, "ja", PROPERTIES), label(field, "en", PROPERTIES)) == (japanese, english)


def test_every_exportable_field_has_its_words_in_both_languages():
    for field in exports.exportable_fields({}):
        assert label(field, "ja", {}) != field or field == "id", field
        assert label(field, "en", {}) != field or field == "id", field
    for language in ("ja", "en"):  # no two columns alike
        assert len({label(field, language, {}) for field in exports.exportable_fields({})}) == len(
            exports.exportable_fields({}))


def test_the_header_row_is_the_field_names_or_their_labels():
    fields = ["email", "properties.industry", "tags"]
    assert exports.header(fields, "keys", "ja", PROPERTIES) == fields
    assert exports.header(fields, "labels", "ja", PROPERTIES) == ["メールアドレス", "業種", "タグ"]
    assert exports.header(fields, "labels", "en", PROPERTIES) == ["Email", "業種", "Tags"]
