"""Every feature folder of shared/civiq has the same inner shape, so anything is found in one
place: its pure domain, the ports its services need, one use case per service module, the
pydantic edges, the adapters (DynamoDB and in-memory fakes side by side), its functions'
settings and its wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[3] / "shared" / "civiq"
FEATURES = sorted(
    p.name
    for p in PACKAGE.iterdir()
    if p.is_dir() and p.name not in {"core", "platform", "__pycache__"}
)
SHAPE = {
    "__init__.py",
    "domain",
    "ports.py",
    "services",
    "schemas",
    "adapters",
    "config.py",
    "wiring.py",
}


def test_the_package_is_core_platform_the_features_and_the_event_catalog() -> None:
    top = {p.name for p in PACKAGE.iterdir() if p.name != "__pycache__"}
    assert top == {"__init__.py", "core", "platform", "event_catalog.py", *FEATURES}
    assert {"accounts", "ledger", "billing", "payments"} <= set(FEATURES)


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_has_the_same_inner_shape(feature: str) -> None:
    inside = {p.name for p in (PACKAGE / feature).iterdir() if p.name != "__pycache__"}
    assert inside <= SHAPE, f"{feature} has {sorted(inside - SHAPE)} outside the feature shape"
    assert {"domain", "ports.py", "services", "adapters"} <= inside
    for folder in ("domain", "services", "schemas", "adapters"):
        if (PACKAGE / feature / folder).is_dir():
            assert (PACKAGE / feature / folder / "__init__.py").is_file()


@pytest.mark.parametrize("feature", FEATURES)
def test_a_feature_keeps_its_fakes_in_one_memory_module(feature: str) -> None:
    adapters = PACKAGE / feature / "adapters"
    if not adapters.is_dir():
        pytest.skip(f"{feature} has no adapters")
    fakes = [p.name for p in adapters.glob("memory*.py")]
    assert fakes in ([], ["memory.py"]), f"{feature}'s fakes belong in one adapters/memory.py"
