"""Staff identities and roles (who may do what on the staff console)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from civiq.core.errors import Forbidden
from civiq.core.events import Actor


class Role(StrEnum):
    """Ordered by privilege: each role may do everything the ones before it may."""

    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


@dataclass(frozen=True, slots=True)
class StaffIdentity:
    subject: str
    role: Role

    def require(self, minimum: Role) -> None:
        if self.role.rank < minimum.rank:
            raise Forbidden(f"this action needs the {minimum.value} role")

    def as_actor(self) -> Actor:
        return Actor(subject=self.subject, role=self.role.value)
