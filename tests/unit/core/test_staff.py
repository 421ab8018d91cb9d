"""Staff roles: clerk < supervisor < admin; a role may do what every lower role may."""

from __future__ import annotations

import pytest

from civiq.core.errors import Forbidden
from civiq.core.events import Actor
from civiq.core.staff import Role, StaffIdentity


def test_roles_rank_by_privilege() -> None:
    assert [role.rank for role in (Role.CLERK, Role.SUPERVISOR, Role.ADMIN)] == [0, 1, 2]
    assert [role.value for role in Role] == ["clerk", "supervisor", "admin"]


@pytest.mark.parametrize(
    ("role", "minimum", "allowed"),
    [
        (Role.CLERK, Role.CLERK, True),
        (Role.CLERK, Role.SUPERVISOR, False),
        (Role.CLERK, Role.ADMIN, False),
        (Role.SUPERVISOR, Role.CLERK, True),
        (Role.SUPERVISOR, Role.SUPERVISOR, True),
        (Role.SUPERVISOR, Role.ADMIN, False),
        (Role.ADMIN, Role.CLERK, True),
        (Role.ADMIN, Role.SUPERVISOR, True),
        (Role.ADMIN, Role.ADMIN, True),
    ],
)
def test_require_allows_the_minimum_role_and_above(
    role: Role, minimum: Role, allowed: bool
) -> None:
    identity = StaffIdentity(subject="s-1", role=role)
    if allowed:
        identity.require(minimum)
    else:
        with pytest.raises(Forbidden) as error:
            identity.require(minimum)
        assert error.value.message == f"this action needs the {minimum.value} role"
        assert error.value.code == "forbidden"


def test_identity_as_actor_carries_subject_and_role_value() -> None:
    assert StaffIdentity("s-1", Role.SUPERVISOR).as_actor() == Actor("s-1", "supervisor")
