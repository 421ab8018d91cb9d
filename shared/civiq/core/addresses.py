"""Canadian civic addresses and map pins."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from civiq.core.errors import InvalidInput, Problems
from civiq.core.text import check_name

POSTAL_CODE = re.compile(r"[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]")
PROVINCES = frozenset(
    ["AB", "BC", "MB", "NB", "NL", "NS", "NT", "NU", "ON", "PE", "QC", "SK", "YT"]
)
# Canada's extreme points, rounded outwards: Middle Island ON (41.68 N) to Cape Columbia NU
# (83.11 N); Cape Spear NL (52.62 W) to the Yukon-Alaska border (141.00 W).
LATITUDE_RANGE = (Decimal("41.6"), Decimal("83.2"))
LONGITUDE_RANGE = (Decimal("-141.1"), Decimal("-52.6"))


def check_province(code: str) -> str:
    if code not in PROVINCES:
        raise InvalidInput("province must be a two-letter Canadian code", "province")
    return code


def check_postal_code(code: str) -> str:
    if not POSTAL_CODE.fullmatch(code.upper().strip()):
        raise InvalidInput("postal code is not a valid Canadian code", "postal_code")
    return code


@dataclass(frozen=True, slots=True)
class Address:
    """A civic address: ``street`` starts with the civic number where there is one."""

    street: str
    city: str
    province: str
    postal_code: str
    unit: str | None = None

    def __post_init__(self) -> None:
        problems = Problems()
        if not self.street.strip():
            problems.add("street is required", "street")
        if not self.city.strip():
            problems.add("city is required", "city")
        for name in ("street", "city", "unit"):
            value = getattr(self, name)
            if value is not None:
                with problems.collect():
                    check_name(value, name)
        with problems.collect():
            check_province(self.province)
        with problems.collect():
            check_postal_code(self.postal_code)
        problems.check()
        postal = self.postal_code.upper().strip()
        object.__setattr__(self, "postal_code", f"{postal.replace(' ', '')[:3]} {postal[-3:]}")
        if self.unit is not None and not self.unit.strip():
            object.__setattr__(self, "unit", None)

    def with_unit(self, unit: str | None) -> Address:
        return Address(self.street, self.city, self.province, self.postal_code, unit)

    def one_line(self) -> str:
        unit = f"{self.unit}-" if self.unit else ""
        return f"{unit}{self.street}, {self.city} {self.province} {self.postal_code}"


@dataclass(frozen=True, slots=True)
class GeoPoint:
    """A map pin, in decimal degrees (WGS 84), inside Canada's bounding box."""

    latitude: Decimal
    longitude: Decimal

    def __post_init__(self) -> None:
        for name, value, (low, high) in (
            ("latitude", self.latitude, LATITUDE_RANGE),
            ("longitude", self.longitude, LONGITUDE_RANGE),
        ):
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                raise InvalidInput(f"{name} must be a number", name) from None
            if not number.is_finite() or not low <= number <= high:
                raise InvalidInput(f"{name} must be between {low} and {high} (Canada)", name)
            if number.as_tuple().exponent < -7:  # type: ignore[operator]
                raise InvalidInput(f"{name} has more than 7 decimal places", name)
            object.__setattr__(self, name, number)
