"""Languages of correspondence: Canada's two official languages."""

from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    FR = "fr"
