"""Key builders for the single table: pure functions, the only place key formats are spelled.

docs/data-model.md lists every access pattern and the key or index these build for it.
Separator is "#"; user-supplied parts (tag names, emails) only ever come last in a key.

DynamoDB refuses a partition key over 2,048 bytes and a sort key over 1,024 bytes, on the table
and on every index (shared.domain.sizes). Ids and tenant ids are plain (at most 128 bytes) and
validation bounds tags and emails, so partition keys stay far under theirs; sort keys that carry
free text (names, search terms) cut it with `sort_head`, keeping the trailing id whole.
"""

from __future__ import annotations

import re

from shared.domain.sizes import MAX_SORT_KEY_BYTES, truncate_utf8

PRESENT, MISSING = "0", "1"  # sort-key prefixes: contacts lacking the sort field come after the rest


MAX_ID_LENGTH = 128
_PLAIN = re.compile(rf"^[A-Za-z0-9_.:-]{{1,{MAX_ID_LENGTH}}}$")


MAX_ID_BYTES = 128
# The free text of a sort key leaves room for "#" and the longest plain id after it.
SORT_HEAD_BYTES = MAX_SORT_KEY_BYTES - 1 - MAX_ID_BYTES


def sort_head(text: str) -> str:
    """The part of a sort key before its trailing "#id", cut at a UTF-8 character boundary to fit
    the sort key limit: keys sharing the cut prefix stay distinct by their id, and a search
    prefix cut the same way still finds them."""
    return truncate_utf8(text, SORT_HEAD_BYTES)


def is_plain_id(value: str) -> bool:
    """Whether a tenant or entity id can stand inside a key without reaching another one's
    (no "#" separators, no control characters)."""
    return bool(_PLAIN.match(value))


def tenant_pk(tenant: str) -> str:
    return f"TENANT#{tenant}"


CONFIG_SK = "CONFIG"
TENANT_SK = "TENANT"  # under tenant_pk: the tenant's record (name, creation, how many owners can act)

MEMBER_SK_PREFIX = "MEMBER#"


def member_sk(user_id: str) -> str:
    """A member of the tenant (under tenant_pk), by their Cognito `sub`: the tenant's members are
    one Query of this prefix, a member check one GetItem."""
    return f"{MEMBER_SK_PREFIX}{user_id}"


def tag_sk(name: str) -> str:
    return f"TAG#{name}"


TAG_SK_PREFIX = "TAG#"


def contact_pk(tenant: str, contact_id: str) -> str:
    return f"TENANT#{tenant}#CONTACT#{contact_id}"


CONTACT_SK = "CONTACT"

CLEANUP_SK_PREFIX = "CLEANUP#"  # under tenant_pk: a deleted contact whose partition is still to be emptied


def cleanup_sk(contact_id: str) -> str:
    return f"{CLEANUP_SK_PREFIX}{contact_id}"


def email_key_pk(tenant: str, email: str) -> str:
    """The item that makes an email unique per tenant (email already lower-cased)."""
    return f"TENANT#{tenant}#EMAIL#{email}"


EMAIL_KEY_SK = "EMAIL"


def contacts_index_pk(tenant: str) -> str:
    """Partition of the five sorted contact indexes and the search indexes."""
    return f"{tenant}#CONTACTS"


def tag_members_pk(tenant: str, tag: str) -> str:
    return f"{tenant}#TAG#{tag}"


def status_pk(tenant: str, status: str) -> str:
    return f"{tenant}#STATUS#{status}"


def owner_pk(tenant: str, owner_id: str) -> str:
    return f"{tenant}#OWNER#{owner_id}"


def company_name_pk(tenant: str, company: str) -> str:
    """The contacts whose `company` is this text (the list's `company` filter); a very long name
    is cut, so the partition is a superset that the filter narrows in memory."""
    return f"{tenant}#COMPANY_NAME#{truncate_utf8(company, 1_000)}"


def delivery_status_pk(tenant: str, delivery_status: str) -> str:
    return f"{tenant}#DELIVERY#{delivery_status}"


def starred_pk(tenant: str) -> str:
    return f"{tenant}#STARRED"


SHARD_COUNT = 16


def shard_pk(tenant: str, shard: int) -> str:
    return f"{tenant}#SHARD#{shard:02d}"


def shard_of(contact_id: str) -> int:
    """A stable shard for a contact: the low bits of its random id part."""
    return int.from_bytes(contact_id[-4:].encode(), "big") % SHARD_COUNT


# The sorted index of each list sort field (GSI1-5, partition `contacts_index_pk`).
CONTACT_SORT_INDEX = {
    "created_at": "GSI1",
    "name": "GSI2",
    "email": "GSI3",
    "last_contacted_at": "GSI4",
    "last_customer_action_at": "GSI5",
}


# The KEYS_ONLY twin of each sorted index: the same key attributes (gsiNpk/gsiNsk of GSI1-5), only
# keys projected. A walk that only needs ids in order (a quick search's many matches, a view's
# entries) reads it instead of the ALL-projected index, so it reads keys, not contacts.
KEYS_TWIN = {index: f"GSI{int(index[3:]) + 15}" for index in CONTACT_SORT_INDEX.values()}


def index_key_names(index: str) -> tuple[str, str]:
    """The key attributes of an index (a twin's are its sorted index's)."""
    number = int(index[3:])
    number = number - 15 if 16 <= number <= 20 else number
    return f"gsi{number}pk", f"gsi{number}sk"


def index_entry(index: str, partition: str | None, sort: str | None) -> dict[str, str | None]:
    """An item's key attributes in `index` (a use of shared.indexes); None leaves the item out of
    that index."""
    pk_name, sk_name = index_key_names(index)
    return {pk_name: partition, sk_name: sort}


# The contact's sort keys (the sort key attributes of GSI1-5). The indexes a quick search reads
# project them (INCLUDE), so that its matches are put in the list's order from their index
# entries: a page then reads its own contacts only, never a walk of the tenant's sorted index.
SORT_KEY_ATTRIBUTES = tuple(index_key_names(index)[1] for index in CONTACT_SORT_INDEX.values())
QUICK_SEARCH_INDEXES = ("GSI6", "GSI7", "GSI8", "GSI9", "GSI10", KEYS_TWIN["GSI2"], KEYS_TWIN["GSI3"])


def projected_sort_keys(index: str) -> tuple[str, ...]:
    """The sort keys a quick-search index projects besides its own key attributes."""
    return tuple(name for name in SORT_KEY_ATTRIBUTES if name not in index_key_names(index))


# Sort keys of a contact's view entries (items in its partition that list it under a view
# partition in the sorted indexes, carrying its sort keys there): its owner's view (all five
# sorts), its status's and, when set, its starred and company views (by creation and by name).
OWNER_VIEW_SK, STATUS_VIEW_SK, STARRED_VIEW_SK, COMPANY_VIEW_SK = ("VIEW#OWNER", "VIEW#STATUS", "VIEW#STARRED",
                                                                  "VIEW#COMPANY")


def sorted_sk(value: str | None, contact_id: str) -> str:
    """Sort key of a contact in a sorted index: present values first, missing ones after."""
    if value:
        return f"{sort_head(f'{PRESENT}#{value}')}#{contact_id}"
    return f"{MISSING}#{contact_id}"


def term_sk(term: str, contact_id: str) -> str:
    return f"{sort_head(term)}#{contact_id}"


def search_term_sk(term: str) -> str:
    """An extra search term item in the contact's partition (see contacts.extra_search_terms,
    which cuts its terms with `sort_head` first, so two long terms never share an item)."""
    return f"TERM#{sort_head(term)}"


# --- one-to-one email ------------------------------------------------------------------------
# System partitions that span tenants start with "@", which no tenant id contains.

def email_pk(tenant: str, email_id: str) -> str:
    return f"TENANT#{tenant}#MAIL#{email_id}"


def tenant_of_email_pk(pk: str) -> str:
    """The tenant of an email found across tenants (the inverse of `email_pk`)."""
    return pk.removeprefix("TENANT#").rsplit("#MAIL#", 1)[0]


EMAIL_SK = "MAIL"


def mail_folder_pk(tenant: str, folder: str, sender_id: str | None = None) -> str:
    """A mail folder of the tenant (GSI1), or of one sender (GSI2, for owner visibility)."""
    base = f"{tenant}#MAIL#{folder}"
    return base if sender_id is None else f"{base}#BY#{sender_id}"


def thread_pk(tenant: str, thread_id: str) -> str:
    return f"{tenant}#THREAD#{thread_id}"


def provider_message_pk(provider_message_id: str) -> str:
    """Where a mail-event notification (which carries no tenant) finds its email."""
    return f"@SES#{provider_message_id}"


DUE_PK = "@DUE"  # the sparse index of scheduled emails, across tenants, sorted by send time
SENDING_PK = "@SENDING"  # emails being sent, across tenants, sorted by when their send began


def pending_sk(at: str, tenant: str, email_id: str) -> str:
    """The sort key of an email in @DUE (at: its send time) or @SENDING (at: when it began)."""
    return f"{at}#{tenant}#{email_id}"


def timed_sk(at: str, item_id: str) -> str:
    return f"{at}#{item_id}"


# --- timeline and users ----------------------------------------------------------------------

ACTIVITY_SK_PREFIX = "ACTIVITY#"


def activity_sk(occurred_at: str, activity_id: str) -> str:
    return f"{ACTIVITY_SK_PREFIX}{occurred_at}#{activity_id}"


def user_pk(tenant: str, user_id: str) -> str:
    return f"TENANT#{tenant}#USER#{user_id}"


MAILBOX_SK = "MAILBOX"
# the sparse index of mailboxes with IMAP set up, across tenants, least recently synced first
IMAP_MAILBOXES_PK = "@IMAP"


def member_address_pk(tenant: str, address: str) -> str:
    """The item naming the user of the tenant who sends from `address` (lower-cased)."""
    return f"TENANT#{tenant}#MEMBER_ADDRESS#{address}"


MEMBER_ADDRESS_SK = "MEMBER"


def processed_event_pk(event_key: str) -> str:
    return f"@EVENT#{event_key}"


# The keys of processed events (their markers, under processed_event_pk), one namespace per
# source: a mail event's starts with no ":" before its first "#", the others with "ingest:" or
# "s3:". Within each, parts that may hold the separator are escaped (`_joined`), so no two
# events' keys meet: not across tenants (a tenant id may hold ":"), not across recipients.

def _escaped(part: str, separators: str) -> str:
    """`part` with "%" and each separator percent-encoded. A part holding none of them is left
    as it is, so the keys stored before parts were escaped keep their form."""
    part = part.replace("%", "%25")
    for separator in separators:
        part = part.replace(separator, f"%{ord(separator):02X}")
    return part


def _joined(separator: str, *parts: str) -> str:
    """The parts joined by `separator`, each but the last escaped: read back in one way only."""
    return separator.join([*(_escaped(part, separator) for part in parts[:-1]), parts[-1]])


def ingest_event_key(tenant: str, event_id: str) -> str:
    """An ingested event's `event_id` (the client's) within its tenant."""
    return "ingest:" + _joined(":", tenant, event_id)


def mail_event_key(provider_message_id: str, recipient: str, kind: str, occurred_at: str) -> str:
    """One SES event of one recipient (whichever way it came: SNS or EventBridge)."""
    first = _escaped(provider_message_id, "#:")  # no ":" before the first "#": not an ingest or s3 key
    return f"{first}#{_joined('#', recipient, kind, occurred_at)}"


def received_object_key(bucket: str, key: str) -> str:
    """A received message's S3 object (bucket names hold no "/": unchanged for real buckets)."""
    return "s3:" + _joined("/", bucket, key)


def mail_message_key(tenant: str, message_id: str) -> str:
    """A message filed in a tenant, however it arrived (SES inbound, a mailbox sync): its
    Message-ID, or the digest of its bytes when it has none."""
    return "message:" + _joined(":", tenant, message_id)


PROCESSED_EVENT_SK = "EVENT"


def email_id_pk(email_id: str) -> str:
    """Where a reply's In-Reply-To/References (our `<email id@domain>`) finds the email's tenant."""
    return f"@MAILID#{email_id}"


def activity_id_pk(tenant: str, activity_id: str) -> str:
    """Where an activity is found by its id (GSI8): its sort key holds its time."""
    return f"{tenant}#ACTIVITY#{activity_id}"


ACTIVITY_ID_SK = "A"


API_KEY_SK_PREFIX = "APIKEY#"


def api_key_sk(key_id: str) -> str:
    return f"{API_KEY_SK_PREFIX}{key_id}"


def api_key_lookup_pk(key_id: str) -> str:
    return f"@APIKEY#{key_id}"


API_KEY_LOOKUP_SK = "KEY"


def timeline_type_pk(tenant: str, contact_id: str, activity_type: str) -> str:
    """A contact's timeline entries of one type (GSI15, sorted by time)."""
    return f"{tenant}#TIMELINE#{contact_id}#{activity_type}"


def mail_activity_pk(tenant: str, event: str, template_id: str | None = None) -> str:
    """A tenant's timeline entries of one email event (`sent`, `opened`, `clicked`), every
    contact's, by time: all of them (GSI13), or those of emails from one template (GSI9)."""
    return f"{tenant}#MAILACT#{event}" + ("" if template_id is None else f"#T#{template_id}")


HISTORY_SK_PREFIX = "HISTORY#"


def history_sk(at: str, version: int, position: int) -> str:
    """A property history entry in its contact's partition: by the change's time, then the
    contact's version before it (two changes in one millisecond keep their order), then the
    field's place in the change."""
    return f"{HISTORY_SK_PREFIX}{at}#{version:012d}#{position:04d}"


def history_field_pk(tenant: str, contact_id: str, field: str) -> str:
    """A contact's history entries of one field (GSI15, sorted as in its partition)."""
    return f"{tenant}#HISTORY#{contact_id}#{field}"


# --- web collection --------------------------------------------------------------------------

SITE_KEY_SK_PREFIX = "SITE#"


def site_key_sk(site_key: str) -> str:
    return f"{SITE_KEY_SK_PREFIX}{site_key}"


def site_key_lookup_pk(site_key: str) -> str:
    """Where POST /collect finds a site key's tenant and allowed origins (one GetItem)."""
    return f"@SITE#{site_key}"


SITE_KEY_LOOKUP_SK = "SITE"


def visitor_pk(tenant: str, visitor_id: str) -> str:
    """A browser's anonymous visitor (the snippet's random id), with its page views before it is
    identified."""
    return f"TENANT#{tenant}#VISITOR#{visitor_id}"


VISITOR_SK = "VISITOR"
VISITOR_VIEW_SK_PREFIX = "VIEW#"


def visitor_view_sk(slot: int) -> str:
    """An anonymous page view in one of the visitor's ring of slots (the newest overwrite the oldest)."""
    return f"{VISITOR_VIEW_SK_PREFIX}{slot:02d}"


def rate_pk(window: str, scope: str) -> str:
    """A hit counter of /collect for one window (a minute, a day) of one scope (a site key, a
    client address, a tenant's web-form contacts): one small item per window, gone by TTL."""
    return f"@RATE#{window}#{scope}"


RATE_SK = "RATE"


# --- segments and jobs -----------------------------------------------------------------------

SEGMENT_SK_PREFIX = "SEGMENT#"


def segment_sk(segment_id: str) -> str:
    return f"{SEGMENT_SK_PREFIX}{segment_id}"


JOB_SK_PREFIX = "JOB#"


def job_sk(job_id: str) -> str:
    """A job (bulk action, import, export) under its tenant; ULID ids list newest last."""
    return f"{JOB_SK_PREFIX}{job_id}"


def requester_jobs_pk(tenant: str, user_id: str) -> str:
    """One requester's jobs in GSI6 (sort key: the job id, so newest last), for members who
    see only their own jobs."""
    return f"{tenant}#JOBS#BY#{user_id}"


def job_targets_pk(tenant: str, job_id: str) -> str:
    """The contact ids a job works through, fixed when it starts, in numbered chunks."""
    return f"TENANT#{tenant}#JOB#{job_id}"


def job_chunk_sk(number: int) -> str:
    return f"CHUNK#{number:06d}"


# --- exports and imports ---------------------------------------------------------------------

EXPORT_RATE_SK = "EXPORT_RATE"  # under user_pk: when the user last started an export

AUDIT_SK_PREFIX = "AUDIT#"


def audit_sk(at: str, entry_id: str) -> str:
    """An entry of the tenant's audit log (exports), in time order."""
    return f"{AUDIT_SK_PREFIX}{at}#{entry_id}"


def export_object_key(tenant: str, job_id: str, filename: str) -> str:
    return f"exports/{tenant}/{job_id}/{filename}"


def import_object_key(tenant: str, job_id: str) -> str:
    return f"imports/{tenant}/{job_id}"


# --- companies, templates, notifications, usage (issue 10) ------------------------------------

def company_pk(tenant: str, company_id: str) -> str:
    return f"TENANT#{tenant}#COMPANY#{company_id}"


COMPANY_SK = "COMPANY"  # also the sort key of a contact's company membership (a contact has one company)


def company_domain_pk(tenant: str, domain: str) -> str:
    """The item that makes a company's email domain unique per tenant and links new contacts."""
    return f"TENANT#{tenant}#COMPANY_DOMAIN#{domain}"


COMPANY_DOMAIN_SK = "DOMAIN"


def companies_index_pk(tenant: str) -> str:
    """Partition of the tenant's companies in GSI1 (by creation) and GSI2 (by name)."""
    return f"{tenant}#COMPANIES"


def company_members_pk(tenant: str, company_id: str) -> str:
    """A company's contacts in GSI6 (the contacts' membership items)."""
    return f"{tenant}#COMPANY#{company_id}"


# --- member groups (issue 22) ------------------------------------------------------------------

GROUP_SK_PREFIX = "GROUP#"


def group_sk(group_id: str) -> str:
    """A member group under tenant_pk; under a contact's partition, its membership of that group."""
    return f"{GROUP_SK_PREFIX}{group_id}"


def group_members_pk(tenant: str, group_id: str) -> str:
    """A member group's contacts in GSI6 (the contacts' membership items), in id order."""
    return f"{tenant}#GROUP#{group_id}"


USAGE_SK = "USAGE"  # under tenant_pk: how many contacts the tenant has (plan quotas)

TEMPLATE_SK_PREFIX = "TEMPLATE#"


def template_sk(template_id: str) -> str:
    return f"{TEMPLATE_SK_PREFIX}{template_id}"


def template_stats_sk(template_id: str) -> str:
    """A template's counters beside it (`TEMPLATE#{id}#STATS`): sends and tracking hits add to
    them without reading or recreating the template."""
    return f"{TEMPLATE_SK_PREFIX}{template_id}#STATS"


NOTIFICATION_SK_PREFIX = "NOTIFY#"


def notification_sk(email_id: str, kind: str) -> str:
    """Under user_pk of the sender: one notification per email and kind, so a second open finds
    it there and adds nothing."""
    return f"{NOTIFICATION_SK_PREFIX}{email_id}#{kind}"


def notifications_pk(tenant: str, user_id: str) -> str:
    """A user's notifications in GSI1, newest first."""
    return f"{tenant}#NOTIFY#{user_id}"
