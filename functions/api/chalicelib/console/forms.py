"""The console's forms: their fields (named ``<form>-<field>``, the page's element ids), the
key that makes a form posted twice one request, their reading into the JSON routes' own body
models, and what a page shows when one is refused."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.http import field_error
from civiq.core.errors import FieldError, InvalidInput
from civiq.core.language import Language
from civiq.platform.web import PageRequest, negotiate_language

if TYPE_CHECKING:
    from pydantic import BaseModel


def fields_of(request: PageRequest, form_name: str, names: tuple[str, ...]) -> dict[str, str]:
    return {name: request.form.get(f"{form_name}-{name}", "") for name in names}


def form_key(request: PageRequest) -> str:
    """The key the page put in the form: the same form posted again is the same request."""
    key = request.form.get("key", "")
    try:
        return str(uuid.UUID(key))
    except ValueError:
        raise InvalidInput("the form has no key: show the page again", "key") from None


def parsed(
    model: type[BaseModel], form: Mapping[str, object], optional: tuple[str, ...] = ()
) -> Any:
    """The form (or a body built from its fields) as ``model``, read as the JSON route reads
    its body (an optional field left empty is left out). Every invalid field is named at once."""
    from pydantic import ValidationError

    given = {k: v for k, v in form.items() if k not in optional or str(v).strip()}
    try:
        return model.model_validate_json(json.dumps(given))
    except ValidationError as exc:
        raise InvalidInput.of(field_error(e) for e in exc.errors()) from exc


def refusal(
    invalid: InvalidInput, form_name: str, form: dict[str, str], request: PageRequest
) -> dict[str, object]:
    """A page's context for a refused form: the error summary (each error linked to its field)
    and each field's own error, in the page's language, and the form as typed."""
    errors = [
        {
            "field": f"{form_name}-{e.field}" if e.field in form else None,
            "message": worded(request, e),
        }
        for e in invalid.errors
    ]
    return {
        "errors": errors,
        "field_errors": {e["field"]: e["message"] for e in errors if e["field"]},
        f"{form_name}_form": form,
    }


def worded(request: PageRequest, error: FieldError) -> str:
    """A refusal as the page's language words it: a validator's (too short, not a number, not
    one of the choices...) from the catalogue with its limits; the domain's own sentence on an
    English page, and a general one otherwise (the domain words its rules in English)."""
    from chalicelib.console_composition import pages

    language = negotiate_language(request)
    catalogs = pages().templates.catalogs
    code = error.code
    if code == "string_too_short" and dict(error.params).get("min_length") == "1":
        code = "missing"  # a text left empty
    if code is not None:
        key = f"console.form_error.{code}"
        if catalogs.get(language, key, "") and catalogs.get(Language.EN, key, ""):
            return catalogs.message(language, key, dict(error.params))
    if language is Language.EN:
        return error.message
    return catalogs.message(language, "console.form_error.invalid", {})
