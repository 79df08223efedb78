"""The contact's fields as people read them, in Japanese and English: an export's column headers
(POST /v1/exports with `"headers": "labels"`). Pure.

The words are the console's (console/src/lib/fields.ts keeps its own copy for the browser;
the two tables should become one). A custom property is named by its label, a field this
table does not know by its key.
"""

from __future__ import annotations

from typing import Any

LANGUAGES = ("ja", "en")
_PROPERTY = "properties."

_LABELS: dict[str, tuple[str, str]] = {  # field: (Japanese, English)
    "id": ("ID", "ID"),
    "display_name": ("名前", "Name"),
    "family_name": ("姓", "Family name"),
    "given_name": ("名", "Given name"),
    "family_name_kana": ("セイ", "Family name (kana)"),
    "given_name_kana": ("メイ", "Given name (kana)"),
    "email": ("メールアドレス", "Email"),
    "phone": ("電話番号", "Phone"),
    "company": ("会社名", "Company"),
    "department": ("部署", "Department"),
    "title": ("役職", "Title"),
    "address": ("住所", "Address"),
    "website": ("Webサイト", "Website"),
    "owner_id": ("担当者", "Owner"),
    "company_id": ("会社ID", "Company ID"),
    "status": ("ステータス", "Status"),
    "starred": ("スター", "Star"),
    "tags": ("タグ", "Tags"),
    "marketing_opt_out": ("配信停止", "Opted out"),
    "acquired_at": ("獲得日", "Acquired on"),
    "acquisition_channel": ("獲得経路", "Acquisition channel"),
    "memo": ("メモ", "Memo"),
    "created_at": ("作成日", "Created"),
    "updated_at": ("更新日時", "Updated"),
    "first_contacted_at": ("初回連絡日時", "First contacted"),
    "last_contacted_at": ("直近連絡日時", "Last contacted"),
    "last_customer_action_at": ("直近顧客行動日時", "Last customer action"),
    "last_customer_action_type": ("直近顧客行動", "Last customer action type"),
    "last_seen_at": ("最終訪問日時", "Last seen"),
    "session_count": ("セッション数", "Sessions"),
    "score": ("スコア", "Score"),
    "engagement": ("エンゲージメント", "Engagement"),
    "delivery_status": ("配信ステータス", "Delivery status"),
}


def label(field: str, language: str, definitions: dict[str, dict[str, Any]]) -> str:
    """The words for `field` in `language` ("ja" or "en"): a contact field's label, a custom
    property's own label (`properties.KEY`; the tenant gives one label, in whatever language),
    else the field itself."""
    if field in _LABELS:
        return _LABELS[field][LANGUAGES.index(language)]
    if field.startswith(_PROPERTY):
        return (definitions.get(field[len(_PROPERTY):]) or {}).get("label") or field
    return field
