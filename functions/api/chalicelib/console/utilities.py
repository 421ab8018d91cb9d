"""The console's utility billing dashboard: /dashboard/utilities (billed and collected by
month, the outstanding balance, accounts and delinquency) and its statements, delinquencies
(with the receivables' aging) and types views (the cycles view is :mod:`.runs`'s), from the
reporting Dashboard and the collections' aging report the JSON routes read."""

from __future__ import annotations

from datetime import date

from chalice import Blueprint

from chalicelib.collections_composition import aging
from chalicelib.console.charts import grouped_bars
from chalicelib.console.session import console_page, query_of
from chalicelib.console_composition import HOME, pages
from chalicelib.dashboard_composition import dashboard
from civiq.core.staff import Role, StaffIdentity
from civiq.platform.web import PageRequest, PageResponse

blueprint = Blueprint(__name__)


def month_of(month: str) -> date:
    """A "yyyy-mm" month as its first day (the short_month filter names it)."""
    year, number = month.split("-")
    return date(int(year), int(number), 1)


def render(
    request: PageRequest, template: str, view: str, context: dict[str, object]
) -> PageResponse:
    """A dashboard page: its tabs, ``view`` the current one."""
    return pages().render(request, template, {"view": view, "dashboard": HOME, **context})


@console_page(blueprint, HOME, Role.CLERK)
def summary(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    from civiq.platform.templating import format_short_month
    from civiq.platform.web import negotiate_language

    figures = dashboard().summary()
    language = negotiate_language(request)
    months = [(month_of(m), totals) for m, totals in figures.months]
    say = pages().say
    chart = grouped_bars(
        [say(request, "console.billed"), say(request, "console.collected")],
        [
            (format_short_month(day, language), [t.billed.amount, t.collected.amount])
            for day, t in months
        ],
    )
    return render(
        request,
        "console_utilities",
        "summary",
        {"figures": figures, "months": months, "chart": chart},
    )


@console_page(blueprint, HOME + "/statements", Role.CLERK)
def statements(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    """A run's statements (``?run_id=``), a page at a time; without one, the latest runs to
    choose from."""
    from civiq.reporting.domain.dashboard import StatementTotals
    from civiq.reporting.domain.exports import check_run_id
    from civiq.reporting.schemas.dashboard import RunStatementsQuery

    context: dict[str, object] = {"runs": [], "page": None, "totals": None, "run_id": None}
    if "run_id" in request.query:
        query = query_of(request, RunStatementsQuery)
        run_id = check_run_id(query.run_id)
        page = dashboard().run_statements(run_id, query.limit, query.cursor)
        context.update(run_id=run_id, page=page, totals=StatementTotals.of(page.items))
    else:
        context["runs"] = [run for cycle in dashboard().cycles_with_runs() for run in cycle.runs]
    return render(request, "console_statements", "statements", context)


@console_page(blueprint, HOME + "/delinquencies", Role.CLERK)
def delinquencies(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    """The receivables' aging on the day (the buckets of GET /api/v1/ar/aging, read as it
    reads them), charted and tabled, above a page of the statements past due."""
    from civiq.collections.domain.aging import AgingFilter, Bucket
    from civiq.core.schemas import PageQuery

    query = query_of(request, PageQuery)
    today, page = dashboard().delinquent(query.limit, query.cursor)
    aged = aging().report(AgingFilter(), today).aging
    say = pages().say
    buckets = [(say(request, f"report.bucket.{b.value}"), aged.tally(b)) for b in Bucket]
    chart = grouped_bars(
        [say(request, "console.column.owed")],
        [(label, [tally.amount]) for label, tally in buckets],
    )
    context = {"as_of": today, "page": page, "aging": aged, "buckets": buckets, "chart": chart}
    return render(request, "console_delinquencies", "delinquencies", context)


@console_page(blueprint, HOME + "/types", Role.CLERK)
def types(request: PageRequest, staff: StaffIdentity) -> PageResponse:
    from civiq.platform.templating import format_short_month
    from civiq.platform.web import negotiate_language
    from civiq.rates.domain.charges import ChargeType
    from civiq.reporting.schemas.dashboard import TypesQuery

    query = query_of(request, TypesQuery)
    language = negotiate_language(request)
    months = [(month_of(m), totals) for m, totals in dashboard().billed_by_type(query.months)]
    kinds = list(ChargeType)
    chart = grouped_bars(
        [pages().say(request, f"console.type.{kind.value}") for kind in kinds],
        [
            (format_short_month(day, language), [t.charged(kind).amount for kind in kinds])
            for day, t in months
        ],
    )
    rows = [(day, [t.charged(kind).amount for kind in kinds], t) for day, t in months]
    return render(
        request,
        "console_types",
        "types",
        {"kinds": [k.value for k in kinds], "rows": rows, "chart": chart, "months": query.months},
    )
