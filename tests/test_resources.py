"""The bundled files (templates, example plan) are found through publisher.resources only."""

from __future__ import annotations

from pathlib import Path

from publisher import resources


def test_bundled_folders_are_found() -> None:
    for lang in ("fr", "ar"):
        for name in ("plan.docx", "fiche.docx", "plan.html", "fiche.html"):
            assert (resources.TEMPLATES / lang / name).is_file()
    assert (resources.TEMPLATES / "shared" / "page.css").is_file()
    assert (resources.EXAMPLE / "plan.yaml").is_file()


def test_package_data_comes_before_a_checkouts_folder(tmp_path, monkeypatch) -> None:
    """Installed, the package's own data is used; a checkout's top-level folder only without it."""
    checkout = tmp_path / "checkout"
    (checkout / "publisher").mkdir(parents=True)
    (checkout / "templates").mkdir()
    (checkout / "pyproject.toml").write_text("")
    monkeypatch.setattr(resources, "PACKAGE", checkout / "publisher")
    assert resources.folder("templates") == checkout / "templates"
    (checkout / "publisher" / "templates").mkdir()
    assert resources.folder("templates") == checkout / "publisher" / "templates"
    # site-packages: a stray top-level folder of another distribution is never taken
    site = tmp_path / "site-packages"
    (site / "publisher").mkdir(parents=True)
    (site / "content").mkdir()
    monkeypatch.setattr(resources, "PACKAGE", site / "publisher")
    assert resources.folder("content") == site / "publisher" / "content"


def test_no_module_climbs_from_its_own_file() -> None:
    package = Path(resources.__file__).parent
    climbing = [p.relative_to(package).as_posix() for p in package.rglob("*.py") if "__file__" in p.read_text("utf-8")]
    assert climbing == []


def test_every_subpackage_ships_in_the_wheel() -> None:
    """pyproject.toml lists the packages one by one: a new folder of code missing there is absent from the wheel."""
    import tomllib

    package = Path(resources.__file__).parent
    config = tomllib.loads((package.parent / "pyproject.toml").read_text("utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    code = {".".join(p.parent.relative_to(package.parent).parts) for p in package.rglob("__init__.py")}
    assert code - listed == set()
