"""The staff REST API (Chalice). Routes live in chalicelib.routes blueprints; this file only
wires."""

from chalice import Chalice

from chalicelib import http, openapi
from chalicelib.console import accounts as console_accounts
from chalicelib.console import casework as console_casework
from chalicelib.console import open_account as console_open_account
from chalicelib.console import processor_exceptions as console_processor_exceptions
from chalicelib.console import reads as console_reads
from chalicelib.console import remittance_exceptions as console_remittance_exceptions
from chalicelib.console import runs as console_runs
from chalicelib.console import service_requests as console_service_requests
from chalicelib.console import session as console_session
from chalicelib.console import utilities as console_utilities
from chalicelib.routes import (
    accounts,
    agencies,
    aging,
    arrangements,
    billing,
    collection_cases,
    collection_exports,
    collection_kpis,
    correspondence,
    customers,
    dashboard,
    exports,
    fees,
    meters,
    moves,
    payments,
    processor_exceptions,
    properties,
    rate_simulations,
    rates,
    remittances,
    risk_scores,
    service_requests,
    tax_roll,
    transfers,
    unsubscribe,
    webhooks,
    work_queue,
    write_offs,
)

app = Chalice(app_name="civiq-api")
app.register_middleware(http.RequestContext(app), "http")
app.register_blueprint(accounts.blueprint)
app.register_blueprint(properties.blueprint)
app.register_blueprint(customers.blueprint)
app.register_blueprint(moves.blueprint)
app.register_blueprint(transfers.blueprint)
app.register_blueprint(billing.blueprint)
app.register_blueprint(meters.blueprint)
app.register_blueprint(rates.blueprint)
app.register_blueprint(rate_simulations.blueprint)
app.register_blueprint(dashboard.blueprint)
app.register_blueprint(exports.blueprint)
app.register_blueprint(payments.blueprint)
app.register_blueprint(fees.blueprint)
app.register_blueprint(arrangements.blueprint)
app.register_blueprint(aging.blueprint)
app.register_blueprint(collection_kpis.blueprint)
app.register_blueprint(collection_exports.blueprint)
app.register_blueprint(collection_cases.blueprint)
app.register_blueprint(write_offs.blueprint)
app.register_blueprint(risk_scores.blueprint)
app.register_blueprint(agencies.blueprint)
app.register_blueprint(tax_roll.blueprint)
app.register_blueprint(webhooks.blueprint)
app.register_blueprint(remittances.blueprint)
app.register_blueprint(processor_exceptions.blueprint)
app.register_blueprint(work_queue.blueprint)
app.register_blueprint(service_requests.blueprint)
app.register_blueprint(correspondence.blueprint)
app.register_blueprint(unsubscribe.blueprint)
app.register_blueprint(openapi.blueprint)
# The staff console's pages (HTML, not in the OpenAPI document, which describes the JSON API).
app.register_blueprint(console_session.blueprint)
app.register_blueprint(console_utilities.blueprint)
app.register_blueprint(console_accounts.blueprint)
app.register_blueprint(console_open_account.blueprint)
app.register_blueprint(console_reads.blueprint)
app.register_blueprint(console_runs.blueprint)
app.register_blueprint(console_processor_exceptions.blueprint)
app.register_blueprint(console_remittance_exceptions.blueprint)
app.register_blueprint(console_service_requests.blueprint)
app.register_blueprint(console_casework.blueprint)
