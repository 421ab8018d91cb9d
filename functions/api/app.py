"""The staff REST API (Chalice). Routes live in chalicelib blueprints; this file only wires."""

from chalice import Chalice

from chalicelib import accounts, http

app = Chalice(app_name="civiq-api")
app.register_middleware(http.request_context, "http")
app.register_blueprint(accounts.blueprint)
