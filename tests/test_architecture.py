"""The layers, checked by import-linter from the contract in .importlinter.

Storage core -> domain stores (pathways, pdsa) -> actions -> pages, their glue and the
command line; nothing imports upwards, the two domains meet only through the core, and
only the pages know Streamlit.
"""

import configparser
import os
from pathlib import Path

from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent


def test_the_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(ROOT)
    assert lint_imports(config_filename=str(ROOT / ".importlinter")) == 0, "run `lint-imports` to see which import"


def test_every_module_of_pdsa_is_placed_in_a_layer():
    """A new module left out of the contract would not be checked: name it in .importlinter."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:layers"]["layers"]
    placed = {name.strip() for line in layers.splitlines() for name in line.split(":") if name.strip()}
    modules = {
        f"pdsa.{entry.stem if entry.suffix == '.py' else entry.name}"
        for entry in (ROOT / "pdsa").iterdir()
        if (entry.suffix == ".py" and entry.stem != "__init__") or (entry / "__init__.py").exists()
    }
    assert modules - placed - {"pdsa.locales"} == set()  # locales holds only the catalogue files
    assert os.path.exists(ROOT / "actions" / "__init__.py") and "actions" in placed
