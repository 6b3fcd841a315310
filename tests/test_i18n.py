"""The Russian catalogue: every message translated, none fuzzy, and the .mo compiled from it.

Russian is the default language of the public pages, so an untranslated string is a bug that
shows an applicant English. ``make messages`` refreshes and compiles the catalogue.
"""

# Russian text is what these tests check, so Cyrillic letters that look Latin are expected.

from __future__ import annotations

import ast
import gettext
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO = Path(settings.BASE_DIR) / "haven" / "locale" / "ru" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
KEYWORDS = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    context: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"django.po:{self.line}: {self.msgid!r}"


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file (obsolete ``#~`` entries are ignored).

    Enough of the format for what ``makemessages`` writes: flags, context, plurals and
    strings continued over several quoted lines.
    """
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int] | None = None

    def finish() -> None:
        nonlocal entry, target
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = KEYWORDS.match(line)
        if match:
            keyword, index, quoted = match.groups()
            keyword = keyword.split("[")[0]
            target = (keyword, int(index or 0))
            value = ast.literal_eval(quoted)
            if keyword == "msgctxt":
                entry.context = value
            elif keyword == "msgid":
                entry.msgid = value
            elif keyword == "msgid_plural":
                entry.msgid_plural = value
            else:
                entry.msgstr[target[1]] = value
            continue
        if line.startswith('"') and target is not None:
            value = ast.literal_eval(line)
            keyword, index = target
            if keyword == "msgctxt":
                entry.context = (entry.context or "") + value
            elif keyword == "msgid":
                entry.msgid += value
            elif keyword == "msgid_plural":
                entry.msgid_plural = (entry.msgid_plural or "") + value
            else:
                entry.msgstr[index] += value
            continue
        raise AssertionError(f"django.po:{number}: cannot parse {raw!r}")
    finish()
    return entries


def read_mo(path: Path) -> dict[str, str]:
    """A compiled catalogue as msgfmt wrote it: key -> translation, plural forms NUL-joined."""
    data = path.read_bytes()
    order = "<" if struct.unpack("<I", data[:4])[0] == 0x950412DE else ">"
    _revision, count, originals, translations = struct.unpack(order + "4I", data[4:20])
    catalogue = {}
    for i in range(count):
        key_length, key_offset = struct.unpack_from(order + "2I", data, originals + 8 * i)
        value_length, value_offset = struct.unpack_from(order + "2I", data, translations + 8 * i)
        key = data[key_offset : key_offset + key_length].decode("utf-8")
        catalogue[key] = data[value_offset : value_offset + value_length].decode("utf-8")
    return catalogue


def mo_key(entry: Entry) -> str:
    key = entry.msgid if entry.msgid_plural is None else f"{entry.msgid}\0{entry.msgid_plural}"
    return key if entry.context is None else f"{entry.context}\x04{key}"


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    return parse_po(PO.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def messages(entries: list[Entry]) -> list[Entry]:
    """The entries without the header."""
    return [entry for entry in entries if entry.msgid]


def test_catalogue_declares_russian_with_its_plural_forms(entries: list[Entry]) -> None:
    header = entries[0]
    assert header.msgid == ""
    assert "Language: ru\n" in header.msgstr[0]
    assert "Plural-Forms: nplurals=4;" in header.msgstr[0]


def test_no_entry_is_fuzzy(entries: list[Entry]) -> None:
    fuzzy = [entry.label for entry in entries if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries:\n" + "\n".join(fuzzy)


def test_every_message_is_translated(messages: list[Entry]) -> None:
    assert len(messages) > 50
    untranslated = []
    for entry in messages:
        forms = 4 if entry.msgid_plural is not None else 1
        if sorted(entry.msgstr) != list(range(forms)) or not all(entry.msgstr.values()):
            untranslated.append(entry.label)
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


def test_translations_keep_every_placeholder(messages: list[Entry]) -> None:
    broken = []
    for entry in messages:
        source = entry.msgid_plural if entry.msgid_plural is not None else entry.msgid
        wanted = set(PLACEHOLDER.findall(source))
        for text in entry.msgstr.values():
            if set(PLACEHOLDER.findall(text)) != wanted:
                broken.append(f"{entry.label} -> {text!r}")
    assert not broken, "placeholders differ:\n" + "\n".join(broken)


def test_compiled_catalogue_matches_the_po_file(messages: list[Entry]) -> None:
    expected = {
        mo_key(entry): "\0".join(entry.msgstr[i] for i in sorted(entry.msgstr))
        for entry in messages
    }
    compiled = read_mo(MO)
    compiled.pop("", None)  # the header: msgfmt rewrites it (it drops POT-Creation-Date)

    stale = sorted(
        key for key in expected.keys() | compiled.keys() if expected.get(key) != compiled.get(key)
    )
    assert not stale, "run `make messages`; the .mo differs from the .po for:\n" + "\n".join(
        repr(key) for key in stale[:20]
    )


def test_gettext_reads_every_singular_message(messages: list[Entry]) -> None:
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    for entry in messages:
        if entry.msgid_plural is not None:
            continue
        if entry.context is None:
            assert catalogue.gettext(entry.msgid) == entry.msgstr[0], entry.label
        else:
            assert catalogue.pgettext(entry.context, entry.msgid) == entry.msgstr[0], entry.label


def test_django_uses_the_catalogue() -> None:
    with translation.override("ru"):
        assert translation.gettext("Send application") == "Отправить заявку"
        assert translation.gettext("received, waiting for review") == "получена, ждёт рассмотрения"
