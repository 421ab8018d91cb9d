"""Who a document comes from: the municipality's name, logo, contact block and remittance
address, printed at the head of statements, receipts and letters, and whether its statements
are bilingual. Configuration (:meth:`civiq.core.settings.DocumentSettings.letterhead`), never
code: every municipality prints its own."""

from __future__ import annotations

from dataclasses import dataclass, field

from civiq.core.language import Language


@dataclass(frozen=True, slots=True)
class Letterhead:
    name: str
    # An image in the templates directory (e.g. "logo.png"), resolved against it; None: no logo.
    logo: str | None = None
    phone: str | None = None
    email: str | None = None
    office_address: tuple[str, ...] = ()  # the lines of the office's street address
    office_hours: dict[Language, str] = field(default_factory=dict)
    # Where cheques are mailed; the office's address where not configured.
    remittance_address: tuple[str, ...] = ()
    # Every label of a statement in both official languages, the holder's first.
    bilingual: bool = False

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.email or self.office_address or self.office_hours)

    @property
    def mail_payments_to(self) -> tuple[str, ...]:
        return self.remittance_address or self.office_address

    def hours(self, language: str) -> str | None:
        """The office hours in ``language`` (a template's ``lang``), or in the other where only
        that one is set."""
        in_language = self.office_hours.get(Language(language))
        return in_language or next(iter(self.office_hours.values()), None)
