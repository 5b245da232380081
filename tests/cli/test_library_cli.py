"""`supportdesk templates …`, `supportdesk kb …` and `supportdesk similar`, as a user runs them."""

from __future__ import annotations

import shutil
from pathlib import Path

from supportdesk.core.frontmatter import split_front_matter
from supportdesk.resources import demo_kb_dir, shipped_templates_dir
from tests.cli import test_cli
from tests.cli.test_cli import sd

# The fixtures of the CLI tests: an environment without SUPPORTDESK_* and a small team.
clean_environment = test_cli.clean_environment
team = test_cli.team


def test_shipped_templates_all_pass_check_and_cover_three_languages(database_url: str) -> None:
    # The demo's knowledge base is there, so every kb("slug") link is checked too.
    assert sd("--db", database_url, "agents", "add", "marta", "--role", "lead").code == 0
    assert (
        sd("--db", database_url, "--agent", "marta", "kb", "import", str(demo_kb_dir())).code == 0
    )
    result = sd("--db", database_url, "templates", "check", str(shipped_templates_dir()), "--json")
    assert result.code == 0, result.out
    report = result.json()
    assert report["ok"] and report["knowledge_base_checked"]  # type: ignore[index]
    languages: dict[str, int] = {}
    for path in shipped_templates_dir().glob("*.md"):
        meta, _body, _line = split_front_matter(path.read_text(encoding="utf-8"))
        languages[meta["language"]] = languages.get(meta["language"], 0) + 1
    assert sum(languages.values()) >= 20
    assert all(languages.get(lang, 0) >= 7 for lang in ("en", "pl", "ru")), languages


def test_check_reports_file_and_line_and_exits_non_zero(tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "good.md").write_text(
        "---\nname: Good\nshortcut: good\n---\nHello {{ customer.first_name }}\n", "utf-8"
    )
    (folder / "syntax.md").write_text(
        "---\nname: Syntax\n---\nline one\nline two {% if customer.name %}\n", "utf-8"
    )
    (folder / "typo.md").write_text(
        "---\nname: Typo\n---\nHello\n\n{{ customer.frist_name }}\n", "utf-8"
    )
    (folder / "front.md").write_text("---\nname: X\nstatus: done\n---\nHi\n", "utf-8")
    (folder / "sandbox.md").write_text(
        "---\nname: Escape\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n", "utf-8"
    )
    result = sd("--db", str(tmp_path / "none.db"), "templates", "check", str(folder))
    assert result.code == 1
    lines = result.out.splitlines()
    assert f"{folder / 'syntax.md'}:5: syntax: Unexpected end of template" in lines[2] or any(
        line.startswith(f"{folder / 'syntax.md'}:") and "syntax" in line for line in lines
    )
    assert any(line.startswith(f"{folder / 'typo.md'}:6: unknown placeholder") for line in lines)
    assert any(line.startswith(f"{folder / 'front.md'}:3: status 'done'") for line in lines)
    assert any(
        line.startswith(f"{folder / 'sandbox.md'}:4: '__") and "may not be used" in line
        for line in lines
    )
    assert not any("good.md" in line for line in lines)
    assert "4 problems in 4 templates" in result.out
    assert not (tmp_path / "none.db").exists()  # checking files made no database
    as_json = sd("--db", str(tmp_path / "none.db"), "templates", "check", str(folder), "--json")
    assert as_json.code == 1
    errors = as_json.json()["errors"]  # type: ignore[index]
    assert {e["file"] for e in errors} == {
        str(folder / n) for n in ("syntax.md", "typo.md", "front.md", "sandbox.md")
    }


def test_team_templates_import_list_export(team: str, tmp_path: Path) -> None:
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "hi.md").write_text(
        "---\nname: 'Hi: our own'\nshortcut: hi\nlanguage: pl\ntags: [greeting]\n---\n"
        "Cześć {{ customer.first_name }}!\n",
        "utf-8",
    )
    refused = sd("--db", team, "--agent", "ann", "templates", "import", str(folder))
    assert refused.code == 1 and "only a lead" in refused.err
    imported = sd("--db", team, "--agent", "marta", "templates", "import", str(folder), "--json")
    assert imported.code == 0 and imported.json()["created"] == ["pl/hi"]  # type: ignore[index]
    listed = sd("--db", team, "--agent", "ann", "templates", "list", "--language", "pl", "--json")
    names = {t["name"]: t["source"] for t in listed.json()["templates"]}  # type: ignore[index]
    assert names["Hi: our own"] == "team"
    out = tmp_path / "out"
    assert (
        sd("--db", team, "--agent", "ann", "templates", "export", str(out), "--source", "team").code
        == 0
    )
    written = (out / "pl-hi.md").read_text("utf-8")
    meta, body, _ = split_front_matter(written)
    assert meta == {"name": "Hi: our own", "shortcut": "hi", "language": "pl", "tags": ["greeting"]}
    assert body == "Cześć {{ customer.first_name }}!\n"
    # Personal templates: copied into the data folder, only for you.
    personal = sd("--db", team, "--agent", "ann", "templates", "import", "--personal", str(folder))
    assert personal.code == 0


def test_kb_import_export_round_trip_without_loss(team: str, tmp_path: Path) -> None:
    source = tmp_path / "kb"
    shutil.copytree(demo_kb_dir(), source)
    (source / "tricky.md").write_text(
        '---\ntitle: "Quotes \\" and: colons — «ёлка» #1"\nslug: tricky\nlanguage: ru\n'
        "tags: [yes, 'no', '3.0']\ninternal: true\n---\n\n\n  indented first line\n\n"
        "| a | b |\n|---|---|\n\ntrailing spaces   \n\n\n",
        "utf-8",
    )
    first = sd("--db", team, "--agent", "ann", "kb", "import", str(source), "--json")
    assert first.code == 0
    assert len(first.json()["created"]) == 37  # type: ignore[index]
    exported = tmp_path / "exported"
    assert sd("--db", team, "--agent", "ann", "kb", "export", str(exported)).code == 0
    again = sd("--db", team, "--agent", "ann", "kb", "import", str(exported), "--json").json()
    assert again["created"] == [] and again["updated"] == []  # type: ignore[index]
    assert len(again["unchanged"]) == 37  # type: ignore[index]
    for path in source.glob("*.md"):
        original_meta, original_body, _ = split_front_matter(path.read_text("utf-8"))
        slug = original_meta.get("slug") or path.stem
        meta, body, _ = split_front_matter((exported / f"{slug}.md").read_text("utf-8"))
        assert body == original_body
        assert meta["title"] == original_meta["title"]
        assert meta["tags"] == [str(t) for t in original_meta.get("tags") or []]
        assert meta["internal"] == original_meta.get("internal", False)
        assert meta["language"] == original_meta.get("language", "en")
    # A second export is byte for byte the first.
    twice = tmp_path / "twice"
    sd("--db", team, "--agent", "ann", "kb", "export", str(twice))
    for path in exported.glob("*.md"):
        assert (twice / path.name).read_bytes() == path.read_bytes()


def test_kb_import_refuses_a_broken_folder_whole(team: str, tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "ok.md").write_text("---\ntitle: OK\n---\nText\n", "utf-8")
    (folder / "bad.md").write_text("---\ntitle: [unclosed\n---\nText\n", "utf-8")
    result = sd("--db", team, "--agent", "ann", "kb", "import", str(folder))
    assert result.code == 1
    assert f"{folder / 'bad.md'}:3: front matter is not valid YAML" in result.out
    assert "Nothing imported" in result.out
    assert sd("--db", team, "--agent", "ann", "kb", "list", "--json").json() == []


def test_kb_search_json_and_hostile_queries(team: str) -> None:
    sd("--db", team, "--agent", "ann", "kb", "import", str(demo_kb_dir()))
    result = sd("--db", team, "kb", "search", "nagrywanie", "rozmów", "--json")
    assert result.code == 0
    data = result.json()
    assert data["results"]  # type: ignore[index]
    first = data["results"][0]  # type: ignore[index]
    assert {"slug", "title", "language", "internal", "url", "snippet", "highlights"} <= set(first)
    start, end = first["highlights"][0]
    assert first["snippet"][start:end]
    for hostile in ['"', "AND", "*", "-", "NOT OR", "(", "a:b", "'--"]:
        assert sd("--db", team, "kb", "search", hostile).code == 0
    public = sd("--db", team, "kb", "search", "rabat", "--public", "--json").json()
    assert all(not r["internal"] for r in public["results"])  # type: ignore[index]
    text = sd("--db", team, "kb", "search", "faktury").out
    assert "**Faktury**" in text or "**faktury**" in text


def test_similar_command(team: str) -> None:
    result = sd("--db", team, "similar", "1001", "--json")
    assert result.code in (0, 1)
    assert sd("--db", team, "similar", "999999").code == 1
