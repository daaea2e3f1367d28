"""The PDF parts kept between builds: each input kind lays out again exactly the parts it changes, a damaged
entry is laid out again, and a document from cached parts is the document laid out cold, byte for byte."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import jinja2
import pytest
from PIL import Image

from publisher.build import build
from publisher.check import load_checked
from publisher.model import Lang
from publisher.render import pdf
from publisher.render.partcache import PartCache, folder_for
from publisher.render.pdf import PdfRenderer

from .conftest import PLANS


def plan_folder(tmp_path: Path, name: str = "plan", logo: bytes | None = None, budget: str = "30000",
                charte: str | None = None) -> Path:
    """A copy of the two-action plan, with one budget, a logo and a charte.toml as asked."""
    folder = tmp_path / name
    shutil.copytree(PLANS / "revision-v1", folder)
    text = (folder / "plan.yaml").read_text(encoding="utf-8").replace("{montant: 30000}", f"{{montant: {budget}}}")
    if logo is not None:
        (folder / "assets").mkdir()
        (folder / "assets" / "logo.png").write_bytes(logo)
        text = text.replace("statut: projet\n", "statut: projet\nlogos: [assets/logo.png]\n")
    (folder / "plan.yaml").write_text(text, encoding="utf-8")
    if charte is not None:
        (folder / "charte.toml").write_text(charte, encoding="utf-8")
    return folder


def png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), colour).save(buffer, "PNG")
    return buffer.getvalue()


def render(folder: Path, cache: Path) -> tuple[bytes, list[str]]:
    """The French plan document from ``folder``, and the parts laid out (not read from the cache) for it."""
    renderer = PdfRenderer()
    renderer.use_cache(PartCache(cache))
    plan = load_checked(folder).plan
    data = renderer.plan(plan, Lang.FR)
    return data, renderer.laid_out


@pytest.fixture(scope="module")
def cold(tmp_path_factory):
    """The plan laid out cold, once, with its cache."""
    tmp = tmp_path_factory.mktemp("cache")
    cache = tmp / "cache"
    data, laid_out = render(plan_folder(tmp, logo=png("red")), cache)
    return tmp, cache, data, laid_out


def warm(cold, tmp_path, **change) -> tuple[bytes, list[str]]:
    """The plan, changed as asked, from a copy of the cold build's cache."""
    tmp, cache, _, _ = cold
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    return render(plan_folder(tmp_path, logo=change.pop("logo", png("red")), **change), copy)


def test_a_warm_build_lays_out_nothing_and_gives_the_same_bytes(cold, tmp_path) -> None:
    _, _, data, laid_out = cold
    assert {"front-fr-0-2", "canevas-OG1.1-fr", "fiche-A1.1.1.1-fr", "fiche-A1.1.1.2-fr", "footers-plan-fr-fr"} <= set(laid_out)
    again, laid_out_again = warm(cold, tmp_path)
    assert laid_out_again == []
    assert again == data


def test_one_budget_lays_out_its_fiche_the_canevas_and_the_summaries_only(cold, tmp_path) -> None:
    data, laid_out = warm(cold, tmp_path, budget="31000")
    assert set(laid_out) == {"canevas-OG1.1-fr", "synthese-fr", "fiche-A1.1.1.2-fr"}
    assert data != cold[2]


def test_image_bytes_lay_out_again_the_parts_that_show_the_image(cold, tmp_path) -> None:
    _, laid_out = warm(cold, tmp_path, logo=png("blue"))
    assert set(laid_out) == {"front-fr-0-2"}  # the logo is on the cover only


def test_house_style_lays_out_every_part_again(cold, tmp_path) -> None:
    _, laid_out = warm(cold, tmp_path, charte='[couleurs]\ntitres = "#223344"\n')
    assert set(laid_out) == set(cold[3])


def test_engine_version_lays_out_every_part_again(cold, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "engine_fingerprint", lambda: "another engine")
    _, laid_out = warm(cold, tmp_path)
    assert set(laid_out) == set(cold[3])


def test_a_template_lays_out_again_the_parts_it_prints(cold, tmp_path, monkeypatch) -> None:
    env = pdf.environment()
    source = env.loader.get_source(env, "shared/fiche.html")[0]
    changed = source.replace("</body>", "<p>ajout</p></body>")
    monkeypatch.setattr(env, "loader", jinja2.ChoiceLoader([jinja2.DictLoader({"shared/fiche.html": changed}), env.loader]))
    if env.cache is not None:
        env.cache.clear()
    try:
        _, laid_out = warm(cold, tmp_path)
    finally:
        monkeypatch.undo()
        if env.cache is not None:
            env.cache.clear()
    assert set(laid_out) == {"fiche-A1.1.1.1-fr", "fiche-A1.1.1.2-fr"}


def test_a_damaged_entry_is_laid_out_again_never_trusted(cold, tmp_path) -> None:
    tmp, cache, data, _ = cold
    copy = tmp_path / "cache"
    shutil.copytree(cache, copy)
    entries = sorted(copy.glob("*.pdf"))
    entries[0].write_bytes(entries[0].read_bytes()[:-100] + b"x" * 100)  # same size, other bytes
    entries[1].with_suffix(".json").write_text("{not json", encoding="utf-8")
    meta = json.loads(entries[2].with_suffix(".json").read_text(encoding="utf-8"))
    meta["pages"] += 1  # a page count that is not the one recorded with the bytes
    entries[2].with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    again, laid_out = render(plan_folder(tmp_path, logo=png("red")), copy)
    assert len(laid_out) == 3
    assert again == data


def test_a_build_keeps_its_parts_outside_the_output_folder_and_prunes_the_superseded(tmp_path) -> None:
    folder = plan_folder(tmp_path)
    out = tmp_path / "out"
    build(folder, out, editions=("fr", "ar"), formats=("pdf",), workers=1)
    cache = folder_for(out)
    first = {path.name for path in cache.glob("*.pdf")}
    assert first and not cache.is_relative_to(out)
    outputs = {path: path.read_bytes() for path in out.rglob("*.pdf")}
    shutil.rmtree(out / "fr"), shutil.rmtree(out / "ar")  # the outputs go; the cache stays: a warm build
    build(folder, out, editions=("fr", "ar"), formats=("pdf",), workers=1)
    assert {path: path.read_bytes() for path in outputs} == outputs  # cold and warm: the same bytes
    (folder / "plan.yaml").write_text((folder / "plan.yaml").read_text().replace("{montant: 30000}", "{montant: 1}"))
    build(folder, out, editions=("fr", "ar"), formats=("pdf",), workers=1)
    now = {path.name for path in cache.glob("*.pdf")}
    assert now != first and len(now) == len(first)  # the old canevas, summaries and fiche are pruned
    shutil.rmtree(out)
    build(folder, tmp_path / "elsewhere", editions=("fr",), formats=("pdf",), workers=1)
    assert not cache.exists()  # the parts of an output folder that is gone go too



def three_priorities(tmp_path: Path) -> Path:
    """The two-action plan with its priority dealt three times, the second with two objectifs généraux
    (P1: OG1.1; P2: OG2.1, OG2.2; P3: OG3.1; eight actions)."""
    folder = plan_folder(tmp_path)
    text = (folder / "plan.yaml").read_text(encoding="utf-8")
    head, priority = text.split("priorites:\n")
    top, objective = priority.split("objectifs_generaux:\n")

    def dealt(n: int, ogs: int) -> str:
        return top.replace("code: P1", f"code: P{n}") + "objectifs_generaux:\n" + "".join(
            objective.replace("OG1.1", f"OG{n}.{g}").replace("OS1.1.", f"OS{n}.{g}.").replace("A1.1.", f"A{n}.{g}.")
            for g in range(1, ogs + 1))
    (folder / "plan.yaml").write_text(head + "priorites:\n" + dealt(1, 1) + dealt(2, 2) + dealt(3, 1), encoding="utf-8")
    return folder


def test_one_budget_reflows_its_objective_and_the_totals_only(tmp_path) -> None:
    """The canevas is a part per objectif général: a budget of OG2.1 lays out OG2.1's pages, OG2.2's (they
    end with P2's total) and OG3.1's (they end with the plan's total), never OG1.1's, and the budgets'
    summary, not the actions by échéance; the document is the one laid out cold from the changed sources,
    byte for byte."""
    folder = three_priorities(tmp_path)
    _, cold_laid_out = render(folder, tmp_path / "cache")
    assert {f"canevas-OG{code}-fr" for code in ("1.1", "2.1", "2.2", "3.1")} <= set(cold_laid_out)
    yaml = folder / "plan.yaml"
    text = yaml.read_text(encoding="utf-8")
    start = text.index("- code: A2.1.1.2")
    yaml.write_text(text[:start] + text[start:].replace("{montant: 30000}", "{montant: 31000}", 1), encoding="utf-8")
    data, laid_out = render(folder, tmp_path / "cache")
    assert set(laid_out) == {"canevas-OG2.1-fr", "canevas-OG2.2-fr", "canevas-OG3.1-fr", "synthese-fr",
                             "fiche-A2.1.1.2-fr"}
    assert data == render(folder, tmp_path / "cold-cache")[0]
    # an échéance: its objective's canevas, its fiche and the actions by échéance (a page of their own), no total
    text = yaml.read_text(encoding="utf-8")
    yaml.write_text(text[:start] + text[start:].replace("echeance: 2026-W14", "echeance: 2026-W15", 1), encoding="utf-8")
    data, laid_out = render(folder, tmp_path / "cache")
    assert set(laid_out) == {"canevas-OG2.1-fr", "echeances-fr", "fiche-A2.1.1.2-fr"}
    assert data == render(folder, tmp_path / "cold-cache")[0]
