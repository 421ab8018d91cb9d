"""The link in every email that withdraws the customer's consent to email at once.

The link carries a token: the customer's id and an HMAC-SHA256 of it under the municipality's
signing secret, so nobody can withdraw someone else's consent by guessing ids. It does not expire:
CASL asks that an unsubscribe mechanism keep working for at least 60 days, and one that always
works is simpler to trust. A rotated secret keeps the links signed with the previous one working
until the next rotation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

ULID = "[0-9A-HJKMNP-TV-Z]{26}"
SIGNATURE_CHARACTERS = 43  # 32 bytes, base64url without padding
TOKEN_PATTERN = rf"^{ULID}\.[A-Za-z0-9_-]{{{SIGNATURE_CHARACTERS}}}$"


def unsubscribe_token(customer_id: str, key: str) -> str:
    message = f"unsubscribe:email:{customer_id}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return f"{customer_id}.{signature}"


def customer_of(token: str, keys: Sequence[str]) -> str | None:
    """The customer ``token`` was made for under one of ``keys`` (current first); None when it
    was made under none of them."""
    customer_id = token.partition(".")[0]
    for key in keys:
        if hmac.compare_digest(token.encode(), unsubscribe_token(customer_id, key).encode()):
            return customer_id
    return None
