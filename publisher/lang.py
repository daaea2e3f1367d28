"""The language of an edition: a value type with what formatting needs to know of it.

Apart from the model so that what needs only the languages (the fonts, the check that a build is
already up to date) imports no pydantic.
"""

from __future__ import annotations

import enum


class Lang(str, enum.Enum):
    """An edition's language, with what formatting needs to know of it."""

    FR = "fr"
    AR = "ar"

    @property
    def direction(self) -> str:
        """``ltr`` or ``rtl``."""
        return "rtl" if self is Lang.AR else "ltr"

    @property
    def rtl(self) -> bool:
        """True for a right-to-left language."""
        return self is Lang.AR

    @property
    def locale(self) -> str:
        """The Babel locale: Moroccan usage, Latin digits in both languages."""
        return f"{self.value}_MA"
