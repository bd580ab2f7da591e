"""bench/record.py: a new run replaces a section's figures and keeps the notes after its marker."""

from __future__ import annotations

from bench import record


def test_a_new_run_replaces_the_figures_and_keeps_the_notes(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n## Speed\n\nold table\n\n" + record.NOTES_KEPT
                      + "\n\n2026-01-01: tried X, not kept.\n\n## Other\n\nother figures\n")
    monkeypatch.setattr(record, "README", readme)
    record.record_section("Speed", "new table")
    text = readme.read_text()
    assert "old table" not in text and "new table" in text
    assert text.index("new table") < text.index(record.NOTES_KEPT) < text.index("tried X, not kept.")
    assert text.count(record.NOTES_KEPT) == 1
    assert text.endswith("## Other\n\nother figures\n")


def test_a_section_without_the_marker_is_replaced_whole(tmp_path, monkeypatch):
    readme = tmp_path / "README.md"
    readme.write_text("# Benchmarks\n\n## Speed\n\nold table\n\nold words\n")
    monkeypatch.setattr(record, "README", readme)
    record.record_section("Speed", "new table")
    text = readme.read_text()
    assert "old" not in text and text.rstrip().endswith("new table")


def test_every_recorded_section_keeps_its_notes():
    """A section of bench/README.md without the marker loses its dated notes at the next run (the
    activity-log section lost 240 lines of them once): each section has it, once."""
    text = record.README.read_text()
    sections = text.split("\n## ")[1:]
    assert sections
    missing = [s.split("\n", 1)[0] for s in sections if s.count(record.NOTES_KEPT) != 1]
    assert missing == []
