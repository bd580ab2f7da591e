"""Import benchmark: our validated import vs a bare DuckDB read_csv vs a pandas pipeline.

``python -m bench.bench_import``: deal files of 1M and 10M rows (our import, the bare read, pandas),
then activity logs of 1M and 5M rows (ours, the bare read, two floors); ``python -m bench.bench_import ROWS ...``:
deal files of those sizes only; ``python -m bench.bench_import casts ROWS ...``: the reader-cast A/B
(our first load with the reader's casts and without them, and the bare read, interleaved);
``python -m bench.bench_import activities ROWS ...``: activity logs of those sizes. ``BENCH_ROUNDS``
sets the rounds (3). Each candidate runs in its own process through ``bench.peak`` (wall
time and peak RSS) into a fresh database file, with the CSV read into the page cache first: ours and
the bare read alternate, pandas runs after them. Figures are recorded in
bench/README.md under "Import" and "Import (activity log)".
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))


def write_deals_csv(path: str, rows: int) -> None:
    """The sample company's own generator (analytics.sample_big): a Salesforce-shaped report, 0.01% bad rows."""
    from analytics.sample_big import write_benchmark_deals

    write_benchmark_deals(path, rows)


def write_activities_csv(path: str, rows: int) -> None:
    """An activity log from analytics.sample_big: no id column, US datetimes, 0.01% bad or blank dates."""
    from analytics.sample_big import write_benchmark_activities

    write_benchmark_activities(path, rows)


WRITERS = {"deals": write_deals_csv, "activities": write_activities_csv}


# ---- the three candidates (each called inside bench.peak in a fresh process) ------------------------
# Each one's prepare_ function loads its libraries (and ours creates the dashboard's empty database,
# as a running dashboard has it) before the clock starts.

def prepare_run_ours(path: str, db: str) -> None:
    import rapidfuzz  # noqa: F401  (the column mapping's, which imports it on first use: a dashboard has it)

    from analytics import store
    from analytics.importing import commit, planning  # noqa: F401  (loaded before the clock starts)

    store.connect(db).close()


def prepare_run_ours_text(path: str, db: str) -> None:
    prepare_run_ours(path, db)


def prepare_run_bare(path: str, db: str) -> None:
    import duckdb  # noqa: F401


def prepare_run_pandas(path: str, db: str) -> None:
    import duckdb  # noqa: F401
    import pandas  # noqa: F401


def run_ours(path: str, db: str) -> dict:
    from analytics import importing, store

    conn = store.connect(db)
    result = importing.import_file(conn, path)
    conn.close()
    return {"rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected, "status": result.status}


def run_ours_text(path: str, db: str) -> dict:
    """Our first load without the reader's casts (every value parsed from text): the reader-cast A/B."""
    from analytics import store
    from analytics.importing import commit, planning

    conn = store.connect(db)
    plan, stage = planning._plan(conn, path, file_name=None, kind=None, preset=None, mapping_override=None,
                                 date_order=None, unit=None, keep=True, write_once=True, reader_casts=False)
    result = commit.commit_staged(conn, plan, stage)
    conn.close()
    return {"rows_loaded": result.rows_loaded, "rows_rejected": result.rows_rejected, "status": result.status}


def run_bare(path: str, db: str) -> dict:
    import duckdb

    conn = duckdb.connect(db)
    # Typed by DuckDB's sniffer; the deliberately bad rows would stop it, so they are skipped silently
    # (ignore_errors): the fastest typed load DuckDB offers, with none of the import's checks.
    conn.execute(f"CREATE TABLE raw AS SELECT * FROM read_csv('{path}', ignore_errors = true)")
    n = conn.execute("SELECT count(*) FROM raw").fetchall()[0][0]
    conn.close()
    return {"rows_loaded": n}


def prepare_run_ids_floor(path: str, db: str) -> None:
    import duckdb  # noqa: F401


def run_ids_floor(path: str, db: str) -> dict:
    """The least an activity log without ids costs as we store it: one read, the date parsed, each
    row's key (its place among the rows of its rep, date and type in file order, ``key_seq``: the
    importer's formula since migration 7; no id text) and the write; no checks, no rejects, no evidence."""
    import duckdb

    conn = duckdb.connect(db)
    read = (f"SELECT row_number() OVER () AS row_idx, trim(\"Assigned To\") AS rep, "
            f"try_strptime(\"Date\", '%m/%d/%Y %H:%M')::DATE AS activity_date, trim(\"Activity Type\") AS type "
            f"FROM read_csv('{path}', all_varchar = true)")
    conn.execute("CREATE TABLE activities AS SELECT NULL::VARCHAR AS activity_id, rep, activity_date, type, "
                 "row_number() OVER (PARTITION BY activity_date, rep, type ORDER BY row_idx)::INTEGER AS key_seq "
                 f"FROM ({read}) WHERE activity_date IS NOT NULL")
    n = conn.execute("SELECT count(*) FROM activities").fetchall()[0][0]
    conn.close()
    return {"rows_loaded": n}


def prepare_run_parse_floor(path: str, db: str) -> None:
    import duckdb  # noqa: F401


def run_parse_floor(path: str, db: str) -> dict:
    """(c) without the keys: one read, the date parsed, the rows written. (c) minus this is what
    numbering each key's rows costs; this minus the bare read, the date parse."""
    import duckdb

    conn = duckdb.connect(db)
    conn.execute("CREATE TABLE activities AS SELECT NULL::VARCHAR AS activity_id, trim(\"Assigned To\") AS rep, "
                 f"try_strptime(\"Date\", '%m/%d/%Y %H:%M')::DATE AS activity_date, trim(\"Activity Type\") AS type "
                 f"FROM read_csv('{path}', all_varchar = true) WHERE activity_date IS NOT NULL")
    n = conn.execute("SELECT count(*) FROM activities").fetchall()[0][0]
    conn.close()
    return {"rows_loaded": n}


def run_pandas(path: str, db: str) -> dict:
    import duckdb
    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame({
        "deal_id": df["Opportunity ID"],
        "rep": df["Opportunity Owner"].str.strip(),
        "close_date": pd.to_datetime(df["Close Date"], format="%m/%d/%Y", errors="coerce").dt.date,
        "created_date": pd.to_datetime(df["Created Date"], format="%m/%d/%Y", errors="coerce").dt.date,
        "amount": pd.to_numeric(df["Amount"].str.replace(r"[$,]", "", regex=True), errors="coerce"),
        "stage": df["Stage"],
        "account": df["Account Name"], "product": df["Product"], "currency": df["Currency"],
    })
    out["outcome"] = df["Stage"].map({"Closed Won": "won", "Closed Lost": "lost"}).fillna("open")
    bad = ((df["Amount"] != "") & out["amount"].isna()) | ((df["Close Date"] != "") & out["close_date"].isna())
    good = out[~bad]
    conn = duckdb.connect(db)
    conn.register("good", good)
    conn.execute("CREATE TABLE deals AS SELECT * FROM good")
    conn.close()
    return {"rows_loaded": int(len(good)), "rows_rejected": int(bad.sum())}


# ---- driver ------------------------------------------------------------------------------------------

def _measure(func: str, path: str, workdir: Path, tag: str) -> dict:
    db = workdir / f"{tag}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-m", "bench.peak", f"bench.bench_import:{func}",
                           json.dumps({"path": path, "db": str(db)})], cwd=REPO_ROOT, capture_output=True,
                          text=True, check=True)
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _warm(path: str) -> None:
    """Read the file once through one buffer, so the OS has it cached."""
    buf = bytearray(1 << 24)
    with open(path, "rb", buffering=0) as fh:
        while fh.readinto(buf):
            pass


def bench_size(rows: int, workdir: Path, kind: str = "deals", candidates=("ours", "bare", "pandas")) -> list[dict]:
    path = str(workdir / f"{kind}_{rows}.csv")
    WRITERS[kind](path, rows)
    size_mib = os.path.getsize(path) / 2**20
    runs: dict[str, list[dict]] = {name: [] for name in candidates}
    # Ours and the bare read alternate, each round starting with the other (drift favours neither);
    # pandas runs after them: a run right after a 7 GB process was 8-16% slower (the bare read at
    # 10M rows after a process that touched 7 GB: 15.5 s against 13.4, 12.6 against 11.6). Every run
    # starts with the file in the page cache.
    paired = [n for n in candidates if n != "pandas"]
    # (two candidates alternate which goes first; three or more rotate, each round starting with the next)
    order = [n for r in range(ROUNDS) for n in
             ((paired if r % 2 == 0 else paired[::-1]) if len(paired) < 3 else paired[r % len(paired):] + paired[:r % len(paired)])]
    order += [n for n in candidates if n == "pandas"] * ROUNDS
    for name in order:
        _warm(path)
        runs[name].append(_measure(f"run_{name}", path, workdir, name))
        print(rows, name, runs[name][-1], flush=True)
    os.unlink(path)
    out = []
    for name, results in runs.items():
        seconds = statistics.median(r["seconds"] for r in results)
        out.append({"rows": rows, "file_mib": size_mib, "candidate": name, "seconds": seconds,
                    "runs": [r["seconds"] for r in results],
                    "cpu_seconds": statistics.median(r["cpu_seconds"] for r in results),
                    "rows_per_s": rows / seconds, "peak_mib": max(r["peak_mib"] for r in results),
                    "result": results[-1]["result"]})
    return out


def main() -> None:
    """Both sections (``make bench``)."""
    main_deals()
    main_activities()


def _run_and_record(title: str, kind: str, sizes: list[int], labels: dict[str, str], intro: str, outro: str) -> None:
    """Bench ``kind`` files of ``sizes`` rows with the ``labels`` candidates; record a table and the ratios."""
    from bench.record import record_section

    rows_out = []
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        for rows in sizes:
            rows_out += bench_size(rows, Path(tmp), kind, tuple(labels))
    after = ", and pandas runs after them" if "pandas" in labels else ""
    paired = [n for n in labels if n != "pandas"]
    turns = "ours and the bare read alternate, each round starting with the other" if len(paired) < 3 else \
        "the candidates take turns, each round starting with the next"
    lines = [f"{intro}, each run in its own process into a fresh database file; median of {ROUNDS} runs "
             f"({turns}{after}; "
             "the file is read into the page cache before every run), peak RSS max.", "",
             "| rows | file MiB | candidate | seconds | rows/s | peak MiB | loaded / rejected |",
             "|---:|---:|---|---:|---:|---:|---|"]
    for r in rows_out:
        res = r["result"]
        lines.append(f"| {r['rows']:,} | {r['file_mib']:.0f} | {labels[r['candidate']]} | {r['seconds']:.2f} | "
                     f"{r['rows_per_s']:,.0f} | {r['peak_mib']:.0f} | {res.get('rows_loaded')} / "
                     f"{res.get('rows_rejected', '-')} |")
    lines.append("")
    for rows in sizes:
        by = {r["candidate"]: r for r in rows_out if r["rows"] == rows}
        ratios = [f"{name} / bare = {by[name]['seconds'] / by['bare']['seconds']:.2f}x" for name in labels
                  if name != "bare"]
        lines.append(f"- {rows:,} rows: {', '.join(ratios)}")
        cpu = [f"{name} / bare = {by[name]['cpu_seconds'] / by['bare']['cpu_seconds']:.2f}x" for name in labels
               if name != "bare"]
        medians = ", ".join(f"{name} {by[name]['cpu_seconds']:.2f}" for name in labels)
        lines.append(f"  CPU seconds (all threads), medians: {medians}; {', '.join(cpu)}")
        runs = "; ".join(f"{name} {', '.join(f'{x:.2f}' for x in by[name]['runs'])}" for name in labels)
        lines.append(f"  (each run's wall seconds, in run order: {runs})")
    record_section(title, "\n".join([*lines, "", outro]))


def main_deals(sizes: list[int] | None = None) -> None:
    _run_and_record(
        "Import", "deals", sizes or [1_000_000, 10_000_000],
        {"ours": "(a) analytics import_file (validated)",
         "bare": "(b) bare DuckDB read_csv (sniffed types, ignore_errors) -> table",
         "pandas": "(c) pandas read_csv + cleaning -> DuckDB"},
        "Salesforce-shaped opportunity CSV from `python -m analytics sample --rows N` (10 columns, quoted, "
        "MM/DD/YYYY dates, 0.01% bad rows)",
        "(a) is a first load into the dashboard's empty database: one read of the CSV writes the accepted rows "
        "and keeps the whole file's evidence (checks, rejects with their lines, the profile that proves the "
        "first rows' plan), in one transaction. (b) reads and writes once and checks nothing. Seconds are the "
        "import alone: each candidate's libraries are loaded, and our empty database created, before the clock "
        "starts. See docs/ENGINEERING.md, \"Import: one read for a first load\".")


def main_activities(sizes: list[int] | None = None) -> None:
    """Activity logs: our import (no id column: each row keyed by its place among its key's rows) vs the bare read."""
    _run_and_record(
        "Import (activity log)", "activities", sizes or [1_000_000, 5_000_000],
        {"ours": "(a) analytics import_file (validated)", "bare": "(b) bare DuckDB read_csv -> table",
         "ids_floor": "(c) one read_csv, dates parsed, our keys (place among the key's rows) -> table",
         "parse_floor": "(d) as (c) without the keys -> table"},
        "Activity log from `analytics.sample_big.write_benchmark_activities` (4 columns, MM/DD/YYYY HH:MM, no id "
        "column, 0.01% bad or blank dates)",
        "(a) is a first load into the dashboard's empty database: one read of the CSV writes the accepted rows "
        "and keeps the whole file's evidence (`importing/one_read.py`); each row's key_seq (its place among the "
        "rows of its rep, date and type in file order) is numbered after the write, over the rows whose key "
        "another row shares; no id text is stored for them (migration 7).")


def main_casts(sizes: list[int] | None = None) -> None:
    """The reader-cast A/B: a first load of a deal file with the reader's casts and without them."""
    _run_and_record(
        "Import (reader-cast A/B)", "deals", sizes or [1_000_000],
        {"ours": "(a) analytics import_file (reader casts on, the default)",
         "ours_text": "(a') analytics import_file with reader casts off (every value parsed from text)",
         "bare": "(b) bare DuckDB read_csv (sniffed types, ignore_errors) -> table"},
        "The deal file of \"Import\"",
        "Reader casts: docs/ENGINEERING.md, \"Cheap casts in the reader\".")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] in ("casts", "activities"):
        {"casts": main_casts, "activities": main_activities}[args[0]]([int(a) for a in args[1:]] or None)
    elif args:
        main_deals([int(a) for a in args])
    else:
        main()
