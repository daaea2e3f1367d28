"""The validated plan: frozen, typed value objects, no I/O.

Built from the raw data of :mod:`publisher.load` by pydantic, which rejects unknown keys and wrong
types; the guide's own rules live in :mod:`publisher.check`. Budget totals are properties here, so
that every edition prints the same sums.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Iterator, Optional

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, PlainValidator,
                      SkipValidation)
from pydantic_core import PydanticCustomError

from .lang import Lang  # noqa: F401 - a value type of the model, kept light for the no-op build
from .charte import Charte
from .charte import house as house_charte
from .names import asset_key

YEARS = (1900, 2200)  # the years a plan, a date or an échéance may name
MAX_AMOUNT = Decimal(10) ** 12  # dirhams: a budget line above it is a typing error


class Volet(str, enum.Enum):
    """The three volets of the PPIPEM that a priority concerns."""

    DETECTION = "detection"
    PREVENTION = "prevention"
    PROMOTION = "promotion"


class Statut(str, enum.Enum):
    """Draft (watermarked) or validated by the CPPE."""

    PROJET = "projet"
    VALIDE = "valide"


class Territoire(str, enum.Enum):
    """Province or préfecture: decides "Province de" / "Préfecture de"."""

    PROVINCE = "province"
    PREFECTURE = "prefecture"


def describe(value: Any) -> str:
    """A value as plan.yaml writes it, in short: ``true``, ``vide``, ``2025-03-18``, never a Python repr."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "vide"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k}: …" for k in list(value)[:3]) + (", …}" if len(value) > 3 else "}")
    elif isinstance(value, (list, tuple)):
        text = f"liste de {len(value)} élément(s)"
    else:
        text = str(value).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


def _enum_validator(kind: type[enum.Enum], rule: str, what: str):
    allowed = ", ".join(member.value for member in kind)

    def validate(value: Any) -> enum.Enum:
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except (ValueError, TypeError):
            raise PydanticCustomError(rule, f"{what} « {describe(value)} » inconnu : attendu {allowed}") from None

    return PlainValidator(validate)


_BY_VALUE = PlainSerializer(lambda member: member.value, return_type=str)  # what plan.yaml says


# --- bilingual texts --------------------------------------------------------------------------


class Text(BaseModel):
    """A bilingual text; a language that is empty or absent is ``None`` (a missing translation)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fr: Optional[str] = None
    ar: Optional[str] = None

    def __getitem__(self, lang: Lang | str) -> str:
        """The text in ``lang``, or an empty string when it is missing."""
        return getattr(self, Lang(lang).value) or ""

    def has(self, lang: Lang | str) -> bool:
        """Whether the text exists in ``lang``."""
        return bool(getattr(self, Lang(lang).value))

    @classmethod
    def _from_yaml(cls, value: Any) -> Any:
        if isinstance(value, str):
            raise PydanticCustomError(
                "type.bilingue", "texte bilingue attendu, sous la forme {fr: \"...\", ar: \"...\"}"
            )
        if isinstance(value, dict):
            return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in value.items()}
        return value


def _bilingual(value: Any) -> Any:
    return Text._from_yaml(value)


def _name(value: Any) -> Any:
    """A proper name may be one plain string, used as it is in both editions."""
    if isinstance(value, str):
        return {"fr": value.strip() or None, "ar": value.strip() or None}
    return Text._from_yaml(value)


_BREAKS = re.compile(r"\s*\n\s*")


def _fold(text: Text) -> Text:
    """One-line fields: a line break folds to a space."""
    return Text(**{k: _BREAKS.sub(" ", v) if v else v for k, v in text.model_dump().items()})


def _required(text: Text) -> Text:
    """A text the document cannot do without: empty in both languages is an absent key."""
    if not (text.fr or text.ar):
        raise PydanticCustomError("cle.requise", "texte obligatoire vide dans les deux langues")
    return text


def _code(value: Any) -> str:
    if isinstance(value, str) and not value.strip():
        raise PydanticCustomError("cle.requise", "code vide : chaque élément du plan a un code")
    return value


Line = Annotated[Text, BeforeValidator(_bilingual), AfterValidator(_fold)]
RequiredLine = Annotated[Text, BeforeValidator(_bilingual), AfterValidator(_fold), AfterValidator(_required)]
Markdown = Annotated[Text, BeforeValidator(_bilingual)]
Name = Annotated[Text, BeforeValidator(_name), AfterValidator(_fold)]
Code = Annotated[str, AfterValidator(_code)]
AssetPath = Annotated[str, AfterValidator(asset_key)]  # the key of the file in Plan.assets


# --- value types ------------------------------------------------------------------------------


def _amount(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError("type.invalide", "montant en dirhams attendu (un nombre, ex. 12500.50)")
    amount = Decimal(value)
    if abs(amount) > MAX_AMOUNT:
        raise PydanticCustomError("budget.montant", "montant hors des bornes : au plus 1 000 000 000 000 dirhams")
    return amount


def _year(year: int) -> int:
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"année {year} hors des bornes {YEARS[0]}-{YEARS[1]}")
    return year


Amount = Annotated[Decimal, PlainValidator(_amount), PlainSerializer(str, return_type=str)]


class EcheanceKind(enum.Enum):
    """The four forms of an échéance in the guide."""

    JOUR = "jour"
    SEMAINE = "semaine"
    MOIS = "mois"
    CONTINU = "continu"


_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Echeance:
    """A deadline: a day, an ISO week, a month, or ``continu`` (a regular service)."""

    kind: EcheanceKind
    start: Optional[dt.date] = None
    end: Optional[dt.date] = None

    @classmethod
    def parse(cls, value: Any) -> "Echeance":
        """Read an échéance as written in plan.yaml; raise ValueError with a French message."""
        if isinstance(value, dt.datetime):
            raise ValueError("une date sans heure est attendue")
        if isinstance(value, dt.date):
            _year(value.year)
            return cls(EcheanceKind.JOUR, value, value)
        text = str(value).strip()
        if text == "continu":
            return cls(EcheanceKind.CONTINU)
        if match := _WEEK.match(text):
            year, week = map(int, match.groups())
            _year(year)
            try:
                start = dt.date.fromisocalendar(year, week, 1)
            except ValueError:
                raise ValueError(f"la semaine {week} n'existe pas en {year}") from None
            return cls(EcheanceKind.SEMAINE, start, start + dt.timedelta(days=6))
        if match := _MONTH.match(text):
            year, month = map(int, match.groups())
            _year(year)
            if not 1 <= month <= 12:
                raise ValueError(f"le mois {month:02d} n'existe pas")
            start = dt.date(year, month, 1)
            nxt = dt.date(year + month // 12, month % 12 + 1, 1)
            return cls(EcheanceKind.MOIS, start, nxt - dt.timedelta(days=1))
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                raise ValueError(f"le jour {text} n'existe pas") from None
            raise ValueError("attendu une date AAAA-MM-JJ, une semaine AAAA-Wss, un mois AAAA-MM ou continu") from None
        _year(day.year)
        return cls(EcheanceKind.JOUR, day, day)

    @property
    def sort_key(self) -> tuple:
        """Order by end date, ``continu`` last."""
        return (self.end is None, self.end or dt.date.max)

    def __str__(self) -> str:
        if self.kind is EcheanceKind.CONTINU:
            return "continu"
        if self.kind is EcheanceKind.SEMAINE:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.kind is EcheanceKind.MOIS:
            return f"{self.start:%Y-%m}"
        return self.start.isoformat()


def _echeance(value: Any) -> Echeance:
    if isinstance(value, Echeance):
        return value
    try:
        return Echeance.parse(value)
    except ValueError as exc:
        raise PydanticCustomError("echeance.format", f"échéance « {describe(value)} » invalide : {exc}") from None


EcheanceField = Annotated[Echeance, PlainValidator(_echeance), PlainSerializer(str, return_type=str)]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, (dt.date, str)):
        raise PydanticCustomError("type.invalide", "date attendue, au format AAAA-MM-JJ")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("type.invalide", "date attendue, au format AAAA-MM-JJ") from None
    try:
        _year(value.year)
    except ValueError as exc:
        raise PydanticCustomError("annee.bornes", f"date {value} : {exc}") from None
    return value


def _period_year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("type.invalide", "année attendue (un nombre entier, ex. 2025)")
    try:
        return _year(value)
    except ValueError as exc:
        raise PydanticCustomError("annee.bornes", str(exc)) from None


Year = Annotated[int, PlainValidator(_period_year)]


Date = Annotated[dt.date, PlainValidator(_date), PlainSerializer(dt.date.isoformat, return_type=str)]


# --- the plan ---------------------------------------------------------------------------------


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


class Acteur(_Node):
    """An institution, named once in both languages."""

    nom: RequiredLine
    sigle: Optional[Line] = None


class Pilote(_Node):
    """The person who supervises an action."""

    nom: Optional[Name] = None
    fonction: Optional[Line] = None
    acteur: Optional[str] = None


class Ressources(_Node):
    """Human and material resources an action needs."""

    humaines: list[RequiredLine] = []
    materielles: list[RequiredLine] = []


class Budget(_Node):
    """The budget of an action, in dirhams, exact."""

    montant: Amount
    source: Optional[Line] = None


class Fiche(_Node):
    """The narrative parts of the fiche action annex (Markdown)."""

    contexte: Optional[Markdown] = None
    public_vise: Optional[Markdown] = None
    objectifs: Optional[Markdown] = None
    modalites: Optional[Markdown] = None


FICHE_PARTS = ("contexte", "public_vise", "objectifs", "modalites")


class Action(_Node):
    """A concrete action (moyen) that realises an objectif spécifique."""

    code: Code
    intitule: RequiredLine
    rang: Optional[Annotated[int, Field(ge=1, strict=True)]] = None
    resultats_attendus: list[RequiredLine] = []
    pilotes: list[Pilote] = []
    partenaires: list[str] = []
    ressources: Ressources = Ressources()
    budget: Budget
    indicateurs: list[RequiredLine] = []
    echeance: EcheanceField
    suivi: Optional[Line] = None
    fiche: Fiche = Fiche()


class ObjectifSpecifique(_Node):
    """An objectif spécifique, realised by its actions."""

    code: Code
    intitule: RequiredLine
    actions: list[Action] = []

    @property
    def budget_total(self) -> Decimal:
        """The sum of its actions' budgets."""
        return sum((a.budget.montant for a in self.actions), Decimal(0))


class ObjectifGeneral(_Node):
    """An objectif général, derived from a priority."""

    code: Code
    intitule: RequiredLine
    objectifs_specifiques: list[ObjectifSpecifique] = []

    @property
    def actions(self) -> list[Action]:
        """Every action under it, in written order."""
        return [a for os_ in self.objectifs_specifiques for a in os_.actions]

    @property
    def budget_total(self) -> Decimal:
        """The sum of its objectifs spécifiques' budgets."""
        return sum((o.budget_total for o in self.objectifs_specifiques), Decimal(0))


class Priorite(_Node):
    """A priority of the province, in one of the three volets."""

    code: Code
    volet: Annotated[Volet, _enum_validator(Volet, "volet.inconnu", "volet"), _BY_VALUE]
    intitule: RequiredLine
    objectifs_generaux: list[ObjectifGeneral] = []

    @property
    def actions(self) -> list[Action]:
        """Every action under it, in written order."""
        return [a for og in self.objectifs_generaux for a in og.actions]

    @property
    def budget_total(self) -> Decimal:
        """The sum of its objectifs généraux' budgets."""
        return sum((og.budget_total for og in self.objectifs_generaux), Decimal(0))


class Periode(_Node):
    """The years the plan covers, 1 January of ``debut`` to 31 December of ``fin``."""

    debut: Year
    fin: Year

    @property
    def start(self) -> dt.date:
        """First day of the period."""
        return dt.date(self.debut, 1, 1)

    @property
    def end(self) -> dt.date:
        """Last day of the period."""
        return dt.date(self.fin, 12, 31)


class Signataire(_Node):
    """One signature block of the validation page."""

    nom: Optional[Name] = None
    qualite: Optional[Line] = None


class Validation(_Node):
    """The CPPE's validation of the plan."""

    date: Optional[Date] = None
    lieu: Optional[Line] = None  # where it is signed, "Fait à <lieu>"; the province's name when absent
    instance: Optional[Line] = None
    signataires: list[Signataire] = []


class Revision(_Node):
    """One entry of the historique des révisions."""

    date: Date
    objet: RequiredLine


@dataclass(frozen=True)
class Section:
    """A narrative section: its key and its Markdown per language (``None`` when missing)."""

    key: str
    fr: Optional[str]
    ar: Optional[str]

    def __getitem__(self, lang: Lang | str) -> str:
        """The Markdown in ``lang``, or an empty string."""
        return getattr(self, Lang(lang).value) or ""


RESERVED = ("sections", "assets", "previous", "charte")  # filled by the checker from the files, never from plan.yaml

SectionName = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]


class Plan(_Node):
    """The whole provincial action plan."""

    province: RequiredLine
    territoire: Annotated[Territoire, _enum_validator(Territoire, "territoire.inconnu", "territoire"), _BY_VALUE] = (
        Territoire.PROVINCE
    )
    periode: Periode
    version: Date
    statut: Annotated[Statut, _enum_validator(Statut, "statut.inconnu", "statut"), _BY_VALUE] = Statut.PROJET
    validation: Optional[Validation] = None
    logos: list[AssetPath] = []
    revisions: list[Revision] = []
    narratif: list[SectionName] = []
    contacts_institutionnels: list[str] = []
    acteurs: dict[str, Acteur] = {}
    priorites: list[Priorite]
    sections: tuple[Section, ...] = Field(default=(), exclude=True)
    assets: dict[str, bytes] = Field(default={}, exclude=True)  # logos and images, by relative path
    previous: Optional["Plan"] = Field(default=None, exclude=True)  # the version compared with (--depuis)
    charte: Annotated[Charte, SkipValidation] = Field(default_factory=house_charte, exclude=True)  # the house
    # style with the plan's charte.toml merged over it (publisher/charte.py)

    @property
    def objectifs_generaux(self) -> list[ObjectifGeneral]:
        """Every objectif général, in written order."""
        return [og for p in self.priorites for og in p.objectifs_generaux]

    @property
    def objectifs_specifiques(self) -> list[ObjectifSpecifique]:
        """Every objectif spécifique, in written order."""
        return [o for og in self.objectifs_generaux for o in og.objectifs_specifiques]

    @property
    def actions(self) -> list[Action]:
        """Every action, in written order."""
        return [a for p in self.priorites for a in p.actions]

    @property
    def budget_total(self) -> Decimal:
        """The budget of the whole plan."""
        return sum((p.budget_total for p in self.priorites), Decimal(0))

    def action(self, code: str) -> Action:
        """The action with ``code``."""
        for action in self.actions:
            if action.code == code:
                return action
        raise KeyError(code)

    def walk(self) -> Iterator[tuple[tuple, BaseModel]]:
        """Every priority, objective and action with its path in plan.yaml, in written order."""
        for pi, prio in enumerate(self.priorites):
            ppath = ("priorites", pi)
            yield ppath, prio
            for gi, og in enumerate(prio.objectifs_generaux):
                gpath = (*ppath, "objectifs_generaux", gi)
                yield gpath, og
                for si, os_ in enumerate(og.objectifs_specifiques):
                    spath = (*gpath, "objectifs_specifiques", si)
                    yield spath, os_
                    for ai, action in enumerate(os_.actions):
                        yield (*spath, "actions", ai), action

    def acteurs_of(self, action: Action) -> list[str]:
        """The keys of the acteurs an action concerns: its pilots' structures, then its partners."""
        keys = [p.acteur for p in action.pilotes if p.acteur] + list(action.partenaires)
        return list(dict.fromkeys(keys))

    def actions_of(self, key: str) -> list[Action]:
        """The actions the acteur ``key`` pilots or partners, in written order."""
        return [a for a in self.actions if key in self.acteurs_of(a)]
