"""Regenerate the help-text catalog: `python -m rvneet.i18n_catalog` (or `make i18n`).

Walks the command tree for every help text, writes the template (locale/rvneet.pot), merges it
into the Estonian catalog (new texts come in untranslated, gone ones are dropped) and compiles
rvneet.mo beside it. Needs Babel (the dev extra); rvneet itself reads the .mo with stdlib gettext.
"""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from rvneet.cli.help_i18n import CLICK_STRINGS, DOMAIN, LOCALEDIR, help_texts

PO_PATH = LOCALEDIR / "et" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_PATH = PO_PATH.with_suffix(".mo")
POT_PATH = LOCALEDIR / f"{DOMAIN}.pot"


def template() -> Catalog:
    """Every help text of the command tree, plus Click's own help words, as a template."""
    import typer.main

    from rvneet.cli import app

    pot = Catalog(project="rvneet", domain=DOMAIN)
    for path, text in help_texts(typer.main.get_command(app)):
        pot.add(text, locations=[(path, 0)])
    for text in CLICK_STRINGS:
        pot.add(text, locations=[("click", 0)])
    return pot


def compiled(po_path: Path = PO_PATH) -> bytes:
    """The .mo bytes of the catalog at `po_path` (fuzzy entries left out, as gettext expects)."""
    with po_path.open("rb") as f:
        catalog = read_po(f, locale="et", domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def _write(catalog: Catalog, path: Path) -> None:
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False, sort_output=False, include_lineno=False)
    path.write_bytes(out.getvalue())


def main() -> None:
    """Write the template, update the Estonian .po from it, compile the .mo."""
    pot = template()
    _write(pot, POT_PATH)
    if PO_PATH.exists():
        with PO_PATH.open("rb") as f:
            po = read_po(f, locale="et", domain=DOMAIN)
        po.update(pot, no_fuzzy_matching=True)
        po.obsolete.clear()
        po.fuzzy = False
    else:
        PO_PATH.parent.mkdir(parents=True, exist_ok=True)
        po = Catalog(locale="et", domain=DOMAIN, project="rvneet")
        po.update(pot, no_fuzzy_matching=True)
        po.fuzzy = False
    _write(po, PO_PATH)
    MO_PATH.write_bytes(compiled())
    missing = sum(1 for m in po if m.id and not m.string)
    print(f"{PO_PATH}: {len(po)} texts, {missing} untranslated; compiled {MO_PATH}")


if __name__ == "__main__":
    main()
