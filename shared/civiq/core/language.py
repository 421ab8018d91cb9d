"""Languages of correspondence: Canada's two official languages."""

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    FR = "fr"


def preferred_language(accept_language: str | None, default: Language = Language.EN) -> Language:
    """The official language an HTTP ``Accept-Language`` header prefers (``fr-CA,fr;q=0.9,en;
    q=0.8``: French); ``default`` when it names neither."""
    ranked: list[tuple[float, int, Language]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().split("-")[0].lower()
        if quality > 0 and primary in {language.value for language in Language}:
            ranked.append((-quality, index, Language(primary)))
    return min(ranked)[2] if ranked else default
