"""The table's global secondary indexes by what each use of them serves: the one registry the
queries, the contact's index keys and docs/data-model.md's index tables go by.

An index's key attributes are generic (gsiNpk/gsiNsk, shared.keys.index_key_names), so several
item kinds share one: GSI6 finds an email by its id, a company's or a group's contacts, and a
member's jobs, each in partitions of its own. A name here is one such use; the data-model
tables name each in the row of its index (tests/test_data_model.py holds them to it). The
contact lists' sorted indexes and their keys-only twins are shared.keys.CONTACT_SORT_INDEX and
KEYS_TWIN.
"""

from __future__ import annotations


def numbers(*uses: str) -> tuple[int, ...]:
    """The index numbers of `uses`, each once: what an item kind's model takes part in."""
    return tuple(dict.fromkeys(int(use.removeprefix("GSI")) for use in uses))


# contacts
CONTACTS_BY_GIVEN_FIRST_READING = "GSI6"  # quick search
CONTACTS_BY_NAME_OR_TERM = "GSI7"  # quick search, and the extra search terms' items
CONTACTS_BY_GIVEN_NAME = "GSI8"  # quick search
CONTACTS_BY_PHONE = "GSI9"  # quick search and lookup by phone
CONTACTS_BY_COMPANY = "GSI10"  # quick search and the company condition
CONTACTS_BY_DELIVERY_STATUS = "GSI13"
CONTACT_SHARDS = "GSI15"  # every contact of a tenant, in parallel segments

# one-to-one email
MAIL_FOLDER = "GSI1"
SENDER_MAIL_FOLDER = "GSI2"
EMAIL_THREAD = "GSI3"
EMAIL_BY_PROVIDER_MESSAGE_ID = "GSI4"
EMAILS_DUE = "GSI5"  # scheduled and unfinished sends, across tenants
IMAP_MAILBOXES = "GSI5"  # mailboxes with IMAP, across tenants, least recently synced first
EMAIL_BY_ID = "GSI6"  # across tenants: a reply names our Message-ID

# companies, member groups, jobs, notifications
COMPANIES_BY_CREATION = "GSI1"
COMPANIES_BY_NAME = "GSI2"
COMPANY_CONTACTS = "GSI6"
GROUP_CONTACTS = "GSI6"
REQUESTER_JOBS = "GSI6"
USER_NOTIFICATIONS = "GSI1"

# timelines and history
ACTIVITY_BY_ID = "GSI8"
TIMELINE_BY_TYPE = "GSI15"
MAIL_EVENTS = "GSI13"  # the tenant's sent emails and a person's opens and clicks (search)
TEMPLATE_MAIL_EVENTS = "GSI9"  # the same, of one template's emails
FIELD_HISTORY = "GSI15"
