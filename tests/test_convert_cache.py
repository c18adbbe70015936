"""The cache of converted PDFs (assembler/convert/cache.py) and the record of a build's inputs that lets
the next `pdpacket build` know, before its imports, that it needs no LibreOffice (convert/memo.py).
None of these start LibreOffice; the builds through the cache are in test_convert_cache_builds.py."""
from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import pytest
import yaml

from assembler import api
from assembler.casefile.settings import load_settings
from assembler.convert import cache, memo
from assembler.errors import InvalidSettingsError
from assembler.start import build_arguments

PDF = b"%PDF-1.7\n" + b"x" * 1000 + b"\n%%EOF\n"


@pytest.fixture
def folder(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.ENV, str(where))
    return where


def test_the_cache_folder_is_the_users_own_and_can_be_moved_or_turned_off(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.folder() == tmp_path / "xdg" / "pdpacket" / "converted"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.folder() == tmp_path / "home" / ".cache" / "pdpacket" / "converted"
    monkeypatch.setenv(cache.ENV, str(tmp_path / "elsewhere"))
    assert cache.folder() == tmp_path / "elsewhere"
    for off in ("off", "OFF", "0", "none"):
        monkeypatch.setenv(cache.ENV, off)
        assert cache.folder() is None
        assert cache.open_cache(500) is None


def test_an_entry_comes_back_as_stored_and_the_folder_is_private(folder):
    c = cache.open_cache(500)
    key = c.key(b"docx bytes", "options", "libreoffice 7.4")
    assert c.get(key) is None
    c.put(key, PDF, 3)
    assert c.get(key) == cache.Entry(PDF, 3)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert [stat.S_IMODE(p.stat().st_mode) for p in folder.glob("*.pdf")] == [0o600]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")], "no temporary file left"


def test_the_key_is_the_documents_bytes_the_export_options_and_the_libreoffice(folder):
    c = cache.open_cache(500)
    keys = {c.key(b"docx", "bookmarks", "lo 7.4"), c.key(b"docx!", "bookmarks", "lo 7.4"),
            c.key(b"docx", "plain", "lo 7.4"), c.key(b"docx", "bookmarks", "lo 7.5")}
    assert len(keys) == 4
    assert c.key(b"docx", "bookmarks", "lo 7.4") == c.key(b"docx", "bookmarks", "lo 7.4")


@pytest.mark.parametrize("damage", ["truncate", "flip", "header", "empty"])
def test_a_damaged_entry_is_never_used_and_is_removed(folder, damage):
    c = cache.open_cache(500)
    key = c.key(b"docx", "o", "lo")
    c.put(key, PDF, 3)
    [path] = folder.glob("*.pdf")
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[:-10])
    elif damage == "flip":
        path.write_bytes(data[:-20] + b"y" + data[-19:])
    elif damage == "header":
        path.write_bytes(b"not json\n" + data.split(b"\n", 1)[1])
    else:
        path.write_bytes(b"")
    assert c.get(key) is None
    assert not path.exists()


def test_over_its_bound_the_least_recently_used_entries_go(folder):
    c = cache.Cache(folder, limit=3 * len(PDF) + 600)  # room for three entries and their headers
    keys = [c.key(str(i).encode(), "o", "lo") for i in range(4)]
    for i, key in enumerate(keys[:3]):
        c.put(key, PDF, 1)
        os.utime(c.path(key), (1000 + i, 1000 + i))
    assert c.get(keys[0]) is not None  # used: now the most recent
    c.put(keys[3], PDF, 1)
    c.trim()
    assert [c.get(k) is not None for k in keys] == [True, False, True, True]


def test_an_entry_half_written_by_a_killed_build_is_removed_and_a_live_writers_is_not(folder):
    # A build killed (-9) while writing an entry leaves atomic.py's temporary file: a client's pages
    # that no entry names, which neither the bound nor `cache clear` counted.
    c = cache.Cache(folder, limit=10 * len(PDF) + 6000)
    c.put(c.key(b"doc", "o", "lo"), PDF, 1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = folder / f".{'a' * 64}.pdf.{dead.pid}-1-0.part"
    writing = folder / f".{'b' * 64}.pdf.{os.getpid()}-1-0.part"
    for part in (gone, writing):
        part.write_bytes(PDF[:100])
    c.trim()
    assert not gone.exists() and writing.exists()
    (folder / f".{'c' * 64}.pdf.{dead.pid}-1-1.part").write_bytes(PDF[:100])
    cache.clear()
    assert sorted(p.name for p in folder.iterdir() if p.name.endswith(".part")) == [writing.name]


def test_info_and_clear_through_the_api(folder):
    c = cache.open_cache(500)
    for i in range(3):
        c.put(c.key(str(i).encode(), "o", "lo"), PDF, 1)
    info = api.cache_info()
    assert (info.folder, info.entries) == (folder, 3)
    assert info.bytes >= 3 * len(PDF)
    cleared = api.cache_clear()
    assert cleared.entries == 3
    assert api.cache_info().entries == 0
    assert folder.is_dir()


def test_info_and_clear_on_the_command_line(run, folder):
    c = cache.open_cache(500)
    c.put(c.key(b"a", "o", "lo"), PDF, 1)
    shown = run("cache", "info")
    assert shown.code == 0, shown.err
    assert str(folder) in shown.out and "1 entr" in shown.out
    cleared = run("cache", "clear")
    assert cleared.code == 0, cleared.err
    assert "1 entr" in cleared.out
    assert list(folder.glob("*.pdf")) == []


def test_cache_info_says_when_the_cache_is_off(run, monkeypatch):
    monkeypatch.setenv(cache.ENV, "off")
    shown = run("cache", "info")
    assert shown.code == 0
    assert "off" in shown.out


def test_the_settings_bound_the_cache(tmp_path):
    assert load_settings(None).cache_mb == 500
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"cache": {"converted_mb": 20}}))
    assert load_settings(path).cache_mb == 20
    path.write_text(yaml.safe_dump({"cache": {"converted_mb": -1}}))
    with pytest.raises(InvalidSettingsError) as caught:
        load_settings(path)
    assert [p.path for p in caught.value.problems] == ["cache.converted_mb"]


def test_the_early_start_reads_no_cache_on_the_build_line():
    # The early start must know: with --no-cache LibreOffice is needed whatever the cache holds.
    assert build_arguments(["build", "case", "--no-cache"])[3] is True
    assert build_arguments(["build", "--templates", "t", "case"])[2:4] == (Path("t"), False)


def test_the_memo_foresees_a_build_with_nothing_changed(folder, tmp_path):
    c = cache.open_cache(500)
    case = tmp_path / "case"
    case.mkdir()
    (case / "case.yaml").write_text("a: 1\n")
    template = tmp_path / "letter.docx"
    template.write_bytes(b"template")
    keys = [c.key(b"doc", "o", "lo")]
    c.put(keys[0], PDF, 1)
    where = memo.memo_path(folder, case, None, None)
    memo.record(where, case / "case.yaml", [case / "case.yaml", template, case / "edits"], keys, "2026-11-28")
    assert memo.all_cached(where, case, folder, "2026-11-28")
    assert not memo.all_cached(where, case, folder, "2026-11-29"), "another day: the letter's date changes"
    assert not memo.all_cached(memo.memo_path(folder, case, tmp_path / "other.yaml", None), case, folder,
                               "2026-11-28"), "other settings: another memo"
    template.write_bytes(b"template, edited")
    assert not memo.all_cached(where, case, folder, "2026-11-28")
    memo.record(where, case / "case.yaml", [case / "case.yaml", template, case / "edits"], keys, "2026-11-28")
    (case / "edits").mkdir()
    assert not memo.all_cached(where, case, folder, "2026-11-28"), "a folder of edited copies appeared"
    memo.record(where, case / "case.yaml", [case / "case.yaml", template, case / "edits"], keys, "2026-11-28")
    assert memo.all_cached(where, case, folder, "2026-11-28")
    c.path(keys[0]).unlink()
    assert not memo.all_cached(where, case, folder, "2026-11-28"), "an entry was evicted"
    assert json.loads(where.read_text())["case_file"] == str((case / "case.yaml").resolve())


def test_the_suite_leaves_the_users_cache_alone_unless_a_test_asks_for_one():
    # conftest turns the cache off for every test: a build in one test must not be served PDFs
    # another test (or the developer's own builds) converted, nor fill ~/.cache.
    assert cache.folder() is None
    assert cache.open_cache(500) is None
