"""The words a page shows for each stored value; translated when rendered."""

from __future__ import annotations

from itsm.accounts.models import TokenKind, TokenScope
from itsm.diagnostics.severity import Severity
from itsm.inventory.models import AssetStatus, AssetType
from itsm.notify.models import Channel, NotifyKind
from itsm.sla.due import DueState, SlaFilter
from itsm.tickets.models import Category, EventKind, LinkKind, Priority, Source, Status
from itsm.tickets.queries import Sort
from itsm.tickets.queue import QueueView
from itsm.tickets.urgency import Urgency
from itsm.tickets.visibility import HIDDEN_TICKET
from itsm.users.models import Role
from itsm.webhooks.models import WebhookEvent, WebhookFormat


def N_(message: str) -> str:  # noqa: N802 - gettext's name for a marker, as the extractor knows it
    """Mark ``message`` for the catalogues; the template translates it when shown."""
    return message


STATUS = {
    Status.OPEN: N_("Open"),
    Status.IN_PROGRESS: N_("In progress"),
    Status.PENDING: N_("Waiting for you"),
    Status.RESOLVED: N_("Resolved"),
    Status.CLOSED: N_("Closed"),
}
CATEGORY = {
    Category.HARDWARE: N_("Hardware"),
    Category.SOFTWARE: N_("Software"),
    Category.NETWORK: N_("Network"),
    Category.ACCOUNT: N_("Account and access"),
    Category.OTHER: N_("Other"),
}
PRIORITY = {
    Priority.CRITICAL: N_("Critical"),
    Priority.HIGH: N_("High"),
    Priority.MEDIUM: N_("Medium"),
    Priority.LOW: N_("Low"),
}
URGENCY = {
    Urgency.BLOCKED: N_("I cannot work"),
    Urgency.HINDERED: N_("I can work, with trouble"),
    Urgency.MINOR: N_("It can wait"),
}
EVENT = {
    EventKind.CREATED: N_("Ticket opened"),
    EventKind.STATUS_CHANGED: N_("Status changed"),
    EventKind.ASSIGNED: N_("Assigned to a technician"),
    EventKind.RATED: N_("Rated"),
    EventKind.FIELD_CHANGED: N_("Field changed"),
    EventKind.COMMENTED: N_("Commented"),
    EventKind.SLA_WARNING: N_("SLA due soon"),
    EventKind.SLA_BREACH: N_("SLA breached"),
    EventKind.MERGED: N_("Merged"),
    EventKind.LINKED: N_("Linked"),
    EventKind.WATCHER_ADDED: N_("Watcher added"),
    EventKind.WATCHER_REMOVED: N_("Watcher removed"),
}
#: The staff page's words for a ticket's links, by their kind.
LINK = {
    "related": N_("Related to"),
    LinkKind.MERGED_INTO: N_("Merged into"),
    "merged_from": N_("Merged in from"),
}
#: The ticket fields an audit event may name.
FIELD = {
    "title": N_("Title"),
    "description": N_("Description"),
    "category": N_("Category"),
    "priority": N_("Priority"),
    "asset": N_("Asset"),
    "resolution_note": N_("Resolution note"),
    "satisfaction_rating": N_("Rating"),
    "satisfaction_comment": N_("Rating comment"),
}
NOTIFY_KIND = {
    NotifyKind.TICKET_CREATED: N_("My new ticket was registered"),
    NotifyKind.NEW_TICKET: N_("A new ticket nobody has taken"),
    NotifyKind.ASSIGNED: N_("A ticket was assigned to me"),
    NotifyKind.COMMENT: N_("A new comment"),
    NotifyKind.STATUS: N_("Waiting for me, or resolved"),
    NotifyKind.REOPENED: N_("A ticket of mine was reopened"),
    NotifyKind.SLA_WARNING: N_("A deadline is near"),
    NotifyKind.SLA_BREACH: N_("A deadline was missed"),
    NotifyKind.ESCALATED: N_("A ticket was escalated"),
    NotifyKind.ALERT_TICKET: N_("Monitoring opened a ticket"),
}
CHANNEL = {
    Channel.EMAIL: N_("Email"),
    Channel.IN_APP: N_("In the app"),
    Channel.PUSH: N_("Push"),
}
ROLE = {
    Role.ADMIN: N_("Administrator"),
    Role.TECHNICIAN: N_("Technician"),
    Role.USER: N_("User"),
}
TOKEN_KIND = {TokenKind.PERSONAL: N_("Personal"), TokenKind.AGENT: N_("Agent")}
TOKEN_SCOPE = {
    TokenScope.ALERTS: N_("Alerts (Alertmanager)"),
    TokenScope.REPORTS: N_("Diagnostic reports"),
}
#: Each language in its own words: a reader looks for the one they read.
LANGUAGE_NAME = {"es": "Español", "en": "English"}
ARTICLE_STATE = {
    "all": N_("All"),
    "draft": N_("Draft"),
    "published": N_("Published"),
}
ASSET_STATUS = {
    AssetStatus.IN_USE: N_("In use"),
    AssetStatus.IN_STOCK: N_("In stock"),
    AssetStatus.IN_REPAIR: N_("In repair"),
    AssetStatus.RETIRED: N_("Retired"),
    AssetStatus.LOST: N_("Lost"),
}
ASSET_TYPE = {
    AssetType.DESKTOP: N_("Desktop"),
    AssetType.LAPTOP: N_("Laptop"),
    AssetType.SERVER: N_("Server"),
    AssetType.VIRTUAL_MACHINE: N_("Virtual machine"),
    AssetType.PRINTER: N_("Printer"),
    AssetType.MONITOR: N_("Monitor"),
    AssetType.NETWORK: N_("Network device"),
    AssetType.PHONE: N_("Phone"),
    AssetType.OTHER: N_("Other"),
}
SEVERITY = {
    Severity.HEALTHY: N_("Healthy"),
    Severity.UNKNOWN: N_("Unknown"),
    Severity.WARNING: N_("Warning"),
    Severity.CRITICAL: N_("Critical"),
}
#: Staff read a paused ticket as pending, where the requester reads "waiting for you".
STAFF_STATUS = STATUS | {Status.PENDING: N_("Pending")}
SOURCE = {
    Source.CLI: N_("Command line"),
    Source.API: N_("API"),
    Source.WEB: N_("Web"),
    Source.EMAIL: N_("Email"),
    Source.DIAGNOSTIC: N_("Diagnostics"),
    Source.ALERT: N_("Monitoring alert"),
}
QUEUE_VIEW = {
    QueueView.MINE: N_("Mine"),
    QueueView.UNASSIGNED: N_("Unassigned"),
    QueueView.ACTIVE: N_("All active"),
    QueueView.DUE_SOON: N_("Due soon"),
    QueueView.BREACHED: N_("Overdue"),
}
SORT = {
    Sort.NEWEST: N_("Newest first"),
    Sort.OLDEST: N_("Oldest first"),
    Sort.PRIORITY: N_("Highest priority first"),
    Sort.DUE: N_("Soonest due first"),
}
SLA = {SlaFilter.DUE_SOON: N_("Due soon"), SlaFilter.BREACHED: N_("Breached")}
#: The SLA column's words; %(when)s is how far the due time is ("in 2 hours", "2 hours ago").
DUE = {
    DueState.OK: N_("Due %(when)s"),
    DueState.SOON: N_("Due soon, %(when)s"),
    DueState.BREACHED: N_("Breached %(when)s"),
}
WEBHOOK_EVENT = {
    WebhookEvent.CREATED: N_("A ticket is opened"),
    WebhookEvent.ASSIGNED: N_("A ticket is assigned"),
    WebhookEvent.COMMENTED: N_("A public reply (never internal notes)"),
    WebhookEvent.STATUS_CHANGED: N_("A ticket's status changes"),
    WebhookEvent.REOPENED: N_("A ticket is reopened"),
    WebhookEvent.SLA_WARNING: N_("A ticket is close to its due time"),
    WebhookEvent.SLA_BREACH: N_("A ticket is past its due time"),
    WebhookEvent.ESCALATED: N_("An overdue ticket is escalated"),
}
WEBHOOK_FORMAT = {
    WebhookFormat.GENERIC: N_("Signed JSON"),
    WebhookFormat.SLACK: N_("Chat (Slack, Mattermost, Rocket.Chat)"),
}
#: Every label table, as templates reach them.
ALL = {
    "hidden_ticket": HIDDEN_TICKET,
    "status_label": STATUS,
    "category_label": CATEGORY,
    "priority_label": PRIORITY,
    "urgency_label": URGENCY,
    "event_label": EVENT,
    "notify_kind_label": NOTIFY_KIND,
    "channel_label": CHANNEL,
    "role_label": ROLE,
    "token_kind_label": TOKEN_KIND,
    "token_scope_label": TOKEN_SCOPE,
    "webhook_event_label": WEBHOOK_EVENT,
    "webhook_format_label": WEBHOOK_FORMAT,
    "language_name": LANGUAGE_NAME,
    "link_label": LINK,
    "field_label": FIELD,
    "article_state_label": ARTICLE_STATE,
    "asset_status_label": ASSET_STATUS,
    "asset_type_label": ASSET_TYPE,
    "severity_label": SEVERITY,
    "staff_status_label": STAFF_STATUS,
    "source_label": SOURCE,
    "view_label": QUEUE_VIEW,
    "sort_label": SORT,
    "sla_label": SLA,
    "due_label": DUE,
}
