"""What every function builds alike from its settings, for the features' wirings to share.

The tables' models pointed at their tables, AWS clients, the municipality's time zone, events
published after commit (the outbox, then EventBridge), and the two services that belong to no
feature: the outbox relay and the audit writer. A feature's ``wiring`` module builds its services
from these; nothing here builds a feature's service.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pynamodb.models import Model

from civiq.core.clock import SystemClock
from civiq.core.publishing import PublishEvents, RelayOutbox
from civiq.core.record_audit import RecordAudit
from civiq.core.settings import CommonSettings, OutboxRelaySettings
from civiq.platform import aws
from civiq.platform.catalogs import default_templates_dir
from civiq.platform.dynamodb.audit import DynamoAuditLog
from civiq.platform.dynamodb.outbox import DynamoOutbox
from civiq.platform.dynamodb.table import TableItem, configure_models, table_of
from civiq.platform.eventbridge import EventBridgePublisher

if TYPE_CHECKING:
    from civiq.platform.pdf import WeasyPrintRenderer


def _models() -> list[type[Model]]:
    """Every item model imported so far (each repository module declares its own)."""
    found: list[type[Model]] = []
    pending: list[type[Model]] = list(TableItem.__subclasses__())
    while pending:
        model = pending.pop()
        found.append(model)
        pending.extend(model.__subclasses__())
    return found


def configure_table(settings: CommonSettings) -> None:
    """Point every model imported so far at ``settings``' tables (:func:`configure_models`).

    Every wiring calls it, after importing its repositories (and so their models); it does
    nothing when every model already points there, so a function built of several wirings (the
    API) keeps the connections its models have opened.
    """
    names = (settings.table_name, settings.ledger_table_name)
    place = (settings.aws_region, settings.aws_endpoint_url)
    if any(
        (m.Meta.table_name, m.Meta.region, m.Meta.host) != (table_of(m, *names), *place)
        for m in _models()
    ):
        configure_models(*names, *place)


def client(settings: CommonSettings, service: str) -> Any:
    """The boto3 client of ``service`` in ``settings``' region (and endpoint), cached."""
    return aws.client(service, settings.aws_region, settings.aws_endpoint_url)


def time_zone(settings: CommonSettings) -> ZoneInfo:
    """The municipality's time zone: service dates and due dates are its calendar dates."""
    return ZoneInfo(settings.municipal_time_zone)


def event_publisher(settings: CommonSettings) -> EventBridgePublisher:
    """Events put on ``settings``' bus."""
    return EventBridgePublisher(client(settings, "events"), settings.event_bus_name)


def publish_events(settings: CommonSettings) -> PublishEvents:
    """Events published right after their commit, and marked published in the outbox."""
    return PublishEvents(DynamoOutbox(), event_publisher(settings))


def pdf_renderer(templates_dir: Path | None) -> WeasyPrintRenderer:
    """Documents rendered with WeasyPrint from ``templates_dir`` (else the packaged templates).

    WeasyPrint pulls in native libraries, so it is imported here, when a document-rendering
    function builds its renderer, and never by the modules the API imports.
    """
    from civiq.platform.pdf import WeasyPrintRenderer

    return WeasyPrintRenderer(templates_dir or default_templates_dir())


def relay_outbox(settings: OutboxRelaySettings) -> RelayOutbox:
    """The scheduled relay of events left in the outbox (functions/outbox_relay)."""
    configure_table(settings)
    return RelayOutbox(
        outbox=DynamoOutbox(),
        publisher=event_publisher(settings),
        clock=SystemClock(),
        grace=timedelta(seconds=settings.outbox_grace_seconds),
    )


def record_audit(settings: CommonSettings) -> RecordAudit:
    """One audit record per domain event (functions/audit_writer)."""
    configure_table(settings)
    return RecordAudit(DynamoAuditLog())
