"""The single table as PynamoDB models: one base model keyed by pk/sk, one subclass per item kind.

The `kind` discriminator makes a Query or BatchGet over mixed items return the right class.
GSI key attributes are generic (gsiNpk/gsiNsk) so several kinds can share an index; which
kind uses which index for what is written down in docs/data-model.md.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

from botocore.session import Session
from pynamodb.attributes import (
    Attribute,
    BooleanAttribute,
    DiscriminatorAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.connection import TableConnection
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection, Projection
from pynamodb.models import Model

from shared import indexes
from shared.config import CONFIG
from shared.db.pynamodb_internals import connection_of, share_connection, wrap_requests
from shared.db.retries import retry_conflicting_writes
from shared.db.wire import parse_items_as_sent
from shared.keys import QUICK_SEARCH_INDEXES, index_key_names, projected_sort_keys

# GSI1-5: the sorted indexes (ALL); GSI16-20: their twins on the same key attributes
# (shared.keys.KEYS_TWIN); GSI13 and GSI16, 19, 20: KEYS_ONLY; the quick-search indexes (GSI6-10,
# GSI17, GSI18): keys and the contact's sort keys (INCLUDE); GSI15: the shards (ALL).
CONTACT_INDEXES = (*range(1, 11), 13, 15, *range(16, 21))
_ALL_PROJECTED = {1, 2, 3, 4, 5, 15}


class TableItem(Model):
    """The table's base model. A kind taking part in GSIs names them in `index_numbers`, and gets
    their key attributes (gsiNpk/gsiNsk, null) and index objects (gsiN) as it is declared."""

    index_numbers: ClassVar[tuple[int, ...]] = ()

    class Meta:
        table_name = CONFIG.table_name
        region = CONFIG.region
        # botocore's standard backoff for throttling (random up to 1, 2, 4 s): a request still
        # throttled after ~7 s answers 503 well within API Gateway's 29 s, instead of a timeout
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = DiscriminatorAttribute()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Adds the members of the kind's own `index_numbers`, before PynamoDB's metaclass reads
        the class's attributes and indexes (it runs after this)."""
        super().__init_subclass__(**kwargs)
        for name, member in _index_members(cls.__dict__.get("index_numbers", ())).items():
            setattr(cls, name, member)
            if isinstance(member, Attribute):
                member.__set_name__(cls, name)


def index_sort_key(kind: type[TableItem], index: str) -> UnicodeAttribute:
    """The sort key attribute of `index` (a use of shared.indexes, or a contact list's index) on a
    kind taking part in it: what a query's condition or an update's action names."""
    return cast(UnicodeAttribute, getattr(kind, index_key_names(index)[1]))


def _map(**options: Any) -> MapAttribute[str, Any]:
    """A map attribute, typed (PynamoDB's MapAttribute constructor has no annotations)."""
    return MapAttribute(**options)  # type: ignore[no-untyped-call]  # see above


def _strings(**options: Any) -> ListAttribute[str]:
    """A list of strings, typed by its values (PynamoDB types a ListAttribute by its element attribute's class)."""
    return ListAttribute(of=UnicodeAttribute, **options)  # type: ignore[arg-type]  # see above


def as_dict(value: Any) -> dict[str, Any]:
    """A map attribute's value as a plain dict (PynamoDB's as_dict has no annotations)."""
    return value.as_dict()  # type: ignore[no-any-return]  # see above


def _projection(index: str) -> Projection:
    if int(index[3:]) in _ALL_PROJECTED:
        return AllProjection()
    if index in QUICK_SEARCH_INDEXES:
        return IncludeProjection(list(projected_sort_keys(index)))
    return KeysOnlyProjection()


def _index(number: int) -> type[GlobalSecondaryIndex[Any]]:
    meta = type("Meta", (), {"index_name": f"GSI{number}", "projection": _projection(f"GSI{number}")})
    pk_name, sk_name = index_key_names(f"GSI{number}")
    return type(
        f"Gsi{number}",
        (GlobalSecondaryIndex,),
        {"Meta": meta, pk_name: UnicodeAttribute(hash_key=True), sk_name: UnicodeAttribute(range_key=True)},
    )


def _index_members(numbers: tuple[int, ...]) -> dict[str, object]:
    """Key attributes and index objects for the GSIs an item kind takes part in."""
    members: dict[str, object] = {}
    for number in numbers:
        pk_name, sk_name = index_key_names(f"GSI{number}")
        members[pk_name] = UnicodeAttribute(null=True)
        members[sk_name] = UnicodeAttribute(null=True)
        members[f"gsi{number}"] = _index(number)()
    return members


class ContactItem(TableItem, discriminator="contact"):
    """A contact as one map (`data`), versioned for optimistic concurrency; it is in every contact
    index (sorted lists, search, filters, shards)."""

    index_numbers = CONTACT_INDEXES
    data = _map()
    version = VersionAttribute()


class EmailKeyItem(TableItem, discriminator="email_key"):
    """Makes an email unique per tenant, and carries a copy of the contact for lookups by email."""

    contact_id = UnicodeAttribute()
    data = _map()


class TagMemberItem(TableItem, discriminator="tag_member"):
    """One contact carrying one tag: the tag's view entry (its contacts by creation and by name)."""

    index_numbers = (1, 2, 16, 17)
    contact_id = UnicodeAttribute()

class ContactViewItem(TableItem, discriminator="contact_view"):
    """A contact's entry in one view (its owner's, its status's, starred, its company name's), in
    its partition, carrying its sort keys under the view's partition (shared.domain.contacts.
    view_entries)."""

    index_numbers = (*range(1, 6), *range(16, 21))
    contact_id = UnicodeAttribute()


class SearchTermItem(TableItem, discriminator="search_term"):
    """An extra quick-search term of a contact, in its partition; GSI7 finds it."""

    index_numbers = indexes.numbers(indexes.CONTACTS_BY_NAME_OR_TERM)
    contact_id = UnicodeAttribute()


class TagItem(TableItem, discriminator="tag"):
    name = UnicodeAttribute()
    contact_count = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    deleting = UnicodeAttribute(null=True)  # the job removing it from its contacts: hidden meanwhile


class TenantConfigItem(TableItem, discriminator="config"):
    """Settings and property definitions in one item, so one read serves every contact request."""

    settings = _map(default=dict)
    properties = _map(default=dict)
    company_domains = NumberAttribute(default=0)  # companies with a domain: new contacts look theirs up
    version = VersionAttribute()


class EmailItem(TableItem, discriminator="email"):
    """One one-to-one email, sent or received: its content, its state and its tracking counters.
    GSI1/GSI2: folders; GSI3: thread; GSI4: by SES message id; GSI5: due (sparse); GSI6: by email
    id across tenants (a reply's In-Reply-To names our Message-ID, which carries the email id)."""

    index_numbers = indexes.numbers(indexes.MAIL_FOLDER, indexes.SENDER_MAIL_FOLDER, indexes.EMAIL_THREAD,
                                    indexes.EMAIL_BY_PROVIDER_MESSAGE_ID, indexes.EMAILS_DUE, indexes.EMAIL_BY_ID)
    email_id = UnicodeAttribute()
    contact_id = UnicodeAttribute()
    sender_id = UnicodeAttribute()
    sender_name = UnicodeAttribute(null=True)
    sender_email = UnicodeAttribute()
    to = UnicodeAttribute()
    cc = _strings(default=list)
    bcc = _strings(default=list)
    subject = UnicodeAttribute()
    body_text = UnicodeAttribute()
    body_html = UnicodeAttribute(null=True)
    links = _strings(default=list)
    track_opens = BooleanAttribute()
    track_clicks = BooleanAttribute()
    identify_clicks = BooleanAttribute(default=False)
    template_id = UnicodeAttribute(null=True)
    bulk_job_id = UnicodeAttribute(null=True)  # the job of an email to a selection (POST /v1/emails/bulk)
    notify_on_open = BooleanAttribute(default=False)
    notify_on_click = BooleanAttribute(default=False)
    transport = UnicodeAttribute()
    source = UnicodeAttribute(null=True)  # how a filed message came: "inbound" (SES) or "mailbox" (a sync)
    status = UnicodeAttribute()
    failure_reason = UnicodeAttribute(null=True)
    send_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    message_id = UnicodeAttribute()
    provider_message_id = UnicodeAttribute(null=True)
    in_reply_to = UnicodeAttribute(null=True)
    references = _strings(default=list)
    thread_id = UnicodeAttribute()
    open_count = NumberAttribute(default=0)
    machine_open_count = NumberAttribute(default=0)
    click_count = NumberAttribute(default=0)
    machine_click_count = NumberAttribute(default=0)
    opened_at = UnicodeAttribute(null=True)
    machine_opened_at = UnicodeAttribute(null=True)
    clicked_at = UnicodeAttribute(null=True)
    # link index → epoch seconds of its last click: what the burst rule of the classifier needs
    click_times = _map(default=dict)
    # what the mail system reported: for the To recipient, and per recipient (address → kind)
    delivery_state = UnicodeAttribute(null=True)
    recipient_states = _map(default=dict)


class ActivityItem(TableItem, discriminator="activity"):
    """One timeline entry, in its contact's partition (deleted with the contact); GSI8 finds it by
    id, GSI15 lists a contact's entries of one type, GSI13 and GSI9 a tenant's sent emails, opens
    and clicks (search)."""

    index_numbers = indexes.numbers(indexes.ACTIVITY_BY_ID, indexes.TEMPLATE_MAIL_EVENTS, indexes.MAIL_EVENTS,
                                    indexes.TIMELINE_BY_TYPE)
    data = _map()


class HistoryItem(TableItem, discriminator="history"):
    """One field's change (field, old, new, at, actor), in its contact's partition (deleted with
    the contact); GSI15 lists a contact's changes of one field."""

    index_numbers = indexes.numbers(indexes.FIELD_HISTORY)
    data = _map()


class ApiKeyItem(TableItem, discriminator="api_key"):
    """A server-side ingest key: listed under its tenant (`TENANT#{t}`), and found by its id from
    the key itself (`@APIKEY#{id}`, which holds the tenant). Only a hash of the secret is kept."""

    key_id = UnicodeAttribute()
    tenant = UnicodeAttribute()
    name = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


class SiteKeyItem(TableItem, discriminator="site_key"):
    """A public site key of web collection: listed under its tenant (`TENANT#{t}`) and found by
    the key itself (`@SITE#{key}`, which holds the tenant and the allowed origins)."""

    site_key = UnicodeAttribute()
    tenant = UnicodeAttribute()
    name = UnicodeAttribute()
    allowed_origins = _strings(default=list)
    created_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


class VisitorItem(TableItem, discriminator="visitor"):
    """A browser seen by the snippet: its session state, its flood window, and the contact it was
    identified as (then `email_key` is that contact's email, for updates without a read).
    `sessions` counts the sessions not yet added to a contact (while anonymous)."""

    visitor_id = UnicodeAttribute()
    contact_id = UnicodeAttribute(null=True)
    email_key = UnicodeAttribute(null=True)
    first_seen_at = UnicodeAttribute()
    last_hit_at = UnicodeAttribute()
    sessions = NumberAttribute(default=0)
    views = NumberAttribute(default=0)  # anonymous page views so far: the next one's ring slot
    flood_minute = UnicodeAttribute()
    flood_hits = NumberAttribute(default=0)
    expires_at_epoch = NumberAttribute()
    version = VersionAttribute()


class VisitorViewItem(TableItem, discriminator="visitor_view"):
    """An anonymous page view, kept in the visitor's partition until the visitor is identified."""

    data = _map()
    expires_at_epoch = NumberAttribute()


class RateCounterItem(TableItem, discriminator="rate_counter"):
    """How many /collect hits (or web-form contacts) one scope had in one window (`keys.rate_pk`)."""

    hits = NumberAttribute(default=0)
    expires_at_epoch = NumberAttribute()


class SegmentItem(TableItem, discriminator="segment"):
    """A saved filter (a live segment), evaluated on every read."""

    segment_id = UnicodeAttribute()
    name = UnicodeAttribute()
    tree = _map()  # the filter as given (validated when saved)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    created_by = UnicodeAttribute()


class JobItem(TableItem, discriminator="job"):
    """A long-running job of a tenant (a bulk action), its progress and its counts. `cursor` is
    the next chunk of targets to work on: it moves in the same transaction as that chunk's
    writes, so a worker that crashed resumes after the last chunk it finished. Its requester's jobs
    are in GSI6, KEYS_ONLY, so progress updates write nothing to the index
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes)."""

    index_numbers = indexes.numbers(indexes.REQUESTER_JOBS)
    job_id = UnicodeAttribute()
    job_kind = UnicodeAttribute()
    status = UnicodeAttribute()
    action = UnicodeAttribute()
    params = _map(default=dict)
    selection = _map(default=dict)
    principal = _map(default=dict)  # who asked: user id, role, e-mail, name
    total = NumberAttribute(null=True)
    processed = NumberAttribute(default=0)
    counts = _map(default=dict)
    chunks = NumberAttribute(null=True)
    cursor = NumberAttribute(default=0)
    cleanup = _strings(null=True)  # contacts deleted by the last slice, to tidy
    progress = NumberAttribute(null=True)  # 0..1 when the total is not known ahead (exports, imports)
    result = _map(default=dict)  # what the job produced: rows, file, counts, row errors
    error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at_epoch = NumberAttribute(null=True)  # an import never started goes away (TTL)
    version = VersionAttribute()


class JobChunkItem(TableItem, discriminator="job_chunk"):
    """One chunk of a job's targets (contact ids)."""

    ids = _strings(default=list)
    expires_at_epoch = NumberAttribute()


class ExportRateItem(TableItem, discriminator="export_rate"):
    """When a user last started an export (one per 30 minutes)."""

    started_at = UnicodeAttribute()
    expires_at_epoch = NumberAttribute()


class AuditItem(TableItem, discriminator="audit"):
    """One entry of the tenant's audit log: who exported what, when, why, how many rows."""

    entry = _map()


class ProcessedEventItem(TableItem, discriminator="processed_event"):
    """Marks a mail event (an SNS message or EventBridge event, per recipient) as applied, so a
    redelivery changes nothing; expires after 30 days (TTL). A filed message's marker (its
    Message-ID in its tenant) never expires: a mailbox folder may be read again years later."""

    expires_at_epoch = NumberAttribute(null=True)


class MailboxItem(TableItem, discriminator="mailbox"):
    """A user's own SMTP server (the password in Secrets Manager under `secret_id`) and, when
    they linked it, their IMAP mailbox (`imap_secret_id`: its password or OAuth2 refresh token),
    its sync state and its checkpoints: `imap_folders` maps a folder's name to {"uidvalidity",
    "uid"}, the highest UID filed. In GSI5 under @IMAP while IMAP is set up (docs/data-model.md)."""

    index_numbers = indexes.numbers(indexes.IMAP_MAILBOXES)
    host = UnicodeAttribute()
    port = NumberAttribute()
    security = UnicodeAttribute()
    username = UnicodeAttribute()
    secret_id = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    imap_host = UnicodeAttribute(null=True)
    imap_port = NumberAttribute(null=True)
    imap_security = UnicodeAttribute(null=True)
    imap_username = UnicodeAttribute(null=True)
    imap_secret_id = UnicodeAttribute(null=True)
    imap_oauth2 = _map(null=True)  # {"provider", "token_url", "client_id", "scope"} of an OAuth2 login
    imap_folders = _map(null=True)
    last_synced_at = UnicodeAttribute(null=True)
    sync_status = UnicodeAttribute(null=True)
    sync_error = UnicodeAttribute(null=True)


class TenantItem(TableItem, discriminator="tenant"):
    """The tenant (created by the operator, `crm admin create-tenant`). `owners` counts its owners
    who are not disabled: every member change that lowers it is conditioned on it staying above 0,
    so no race of two changes leaves the tenant without an owner who can act."""

    name = UnicodeAttribute()
    created_at = UnicodeAttribute()
    owners = NumberAttribute(default=0)


class MemberItem(TableItem, discriminator="member"):
    """A member of the tenant, keyed by their Cognito `sub`; the directory is what the member
    check reads on every request (role, status), Cognito's attributes are its copy for tokens.
    `removing`: a DELETE under way (the member is gone for every read; see shared.services.members)."""

    email = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    removing = BooleanAttribute(null=True)
    version = VersionAttribute()


class MemberAddressItem(TableItem, discriminator="member_address"):
    """An address a user of the tenant sends from (their token's verified email, remembered
    when they set up their mailbox): received mail from it is that user's own outgoing mail."""

    user_id = UnicodeAttribute()
    name = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()


class CompanyItem(TableItem, discriminator="company"):
    """A company as one map (`data`), with its contact count (an atomic counter that contact
    writes move in their own transactions) and `deleting` while its contacts are unlinked; GSI1
    lists the tenant's companies by creation, GSI2 by name."""

    index_numbers = indexes.numbers(indexes.COMPANIES_BY_CREATION, indexes.COMPANIES_BY_NAME)
    data = _map()
    contact_count = NumberAttribute(default=0)
    deleting = BooleanAttribute(null=True)
    version = VersionAttribute()


class CompanyDomainItem(TableItem, discriminator="company_domain"):
    """Makes a company's email domain unique per tenant; a new contact's domain finds it."""

    company_id = UnicodeAttribute()
    name = UnicodeAttribute()


class CompanyMemberItem(TableItem, discriminator="company_member"):
    """A contact's link to its company, in the contact's partition; GSI6 lists a company's contacts."""

    index_numbers = indexes.numbers(indexes.COMPANY_CONTACTS)
    contact_id = UnicodeAttribute()
    company_id = UnicodeAttribute()


class MemberGroupItem(TableItem, discriminator="member_group"):
    """A member group (会員グループ) of the tenant; `contact_count` moves in contact transactions."""

    group_id = UnicodeAttribute()
    data = _map()  # name, redirect_url, web_form_joinable, times, created_by
    contact_count = NumberAttribute(default=0)
    deleting = UnicodeAttribute(null=True)  # the job taking it off its contacts: hidden meanwhile


class GroupMemberItem(TableItem, discriminator="group_member"):
    """A contact's membership of a member group, in the contact's partition; GSI6 lists a group's
    contacts."""

    index_numbers = indexes.numbers(indexes.GROUP_CONTACTS)
    contact_id = UnicodeAttribute()
    group_id = UnicodeAttribute()


class UsageItem(TableItem, discriminator="usage"):
    """How many contacts the tenant has: every write that creates or deletes contacts adds to it in
    the same transaction, conditioned on the plan's limit."""

    contacts = NumberAttribute(default=0)


class PartitionCleanupItem(TableItem, discriminator="partition_cleanup"):
    """A deleted contact whose partition (search terms, timeline) is still to be emptied: put in
    the transaction that deletes the contact, removed once the partition is empty, so a delete
    cut short after its transaction is finished later instead of leaving an orphaned timeline."""

    contact_id = UnicodeAttribute()


class TemplateItem(TableItem, discriminator="template"):
    template_id = UnicodeAttribute()
    name = UnicodeAttribute()
    subject = UnicodeAttribute()
    body_text = UnicodeAttribute()
    body_html = UnicodeAttribute(null=True)
    created_by = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()


class TemplateStatsItem(TableItem, discriminator="template_stats"):
    """A template's counts: emails sent from it, and of those first opened and first clicked by a person."""

    sent = NumberAttribute(default=0)
    opened = NumberAttribute(default=0)
    clicked = NumberAttribute(default=0)


class NotificationItem(TableItem, discriminator="notification"):
    """An open or click notification of a sender, under the sender's user partition; GSI1 lists a
    user's notifications newest first. Expires after 90 days (TTL)."""

    index_numbers = indexes.numbers(indexes.USER_NOTIFICATIONS)
    data = _map()
    read = BooleanAttribute(default=False)
    expires_at_epoch = NumberAttribute()


def _share_one_connection() -> None:
    """Every kind talks through one botocore client: a client per subclass would slow cold starts.

    ContactItem's schema names every index, so its connection can serve all kinds. Its plain
    writes are sent again when they meet a transaction in flight (shared.db.retries), and the
    items it reads are taken as DynamoDB sends them (shared.db.wire).
    """
    connection = connection_of(ContactItem)
    wrap_requests(connection.connection, retry_conflicting_writes)
    wrap_requests(connection.connection, parse_items_as_sent(connection.connection))
    share_connection(TableItem, connection)


_share_one_connection()


def table_connection() -> TableConnection:
    """The connection every kind shares, for the stores' own requests (queries, batches, transactions)."""
    return connection_of(TableItem)


def botocore_session() -> Session:
    """The botocore session of the table's connection (this thread's): the other AWS clients are
    made from it (shared.aws), so a cold start loads botocore's endpoint data once, not per session."""
    return table_connection().connection.session
