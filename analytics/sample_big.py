"""A big opportunities.csv for benchmarks: same columns and formats as the sample company's.

Rows are independent draws (no funnel): the file exists to time and stress the import, so it is
written in fixed-size chunks (bounded memory) with vectorised numpy and pyarrow's CSV writer. About
0.01% of rows (at least 3) are deliberately bad: an unparseable amount or date, so the import's
reject/quarantine path is exercised. Deterministic for a given ``(n_rows, seed)``.

Example
-------
>>> import pathlib, shutil, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> lines = write_benchmark_deals(folder / "big.csv", 1_000).read_text().splitlines()
>>> len(lines), lines[0]
(1001, '"Opportunity ID","Opportunity Name","Opportunity Owner","Account Name","Product","Stage","Amount","Currency","Created Date","Close Date"')
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from analytics.sample import AS_OF, FIRST, LAST, OPEN_STAGES, PRODUCTS, account_names, salesforce_ids

CHUNK_ROWS = 250_000
BAD_SHARE = 1e-4
BAD_AMOUNTS = ("TBD", "1O,250.00", "n/a", "$-", "12,500.00.00")
BAD_DATES = ("31/02/2025", "2025-13-45", "TBD", "00/00/0000", "Q3 2025")
COLUMNS = ("Opportunity ID", "Opportunity Name", "Opportunity Owner", "Account Name", "Product", "Stage",
           "Amount", "Currency", "Created Date", "Close Date")
HISTORY_DAYS = 5 * 365


def _rep_names(n: int) -> list[str]:
    """``n`` distinct names: first + middle initial + last (60 x 26 x 59 combinations)."""
    out = []
    for k in range(n):
        first, rest = divmod(k, 26 * len(LAST))
        middle, last = divmod(rest, len(LAST))
        out.append(f"{FIRST[(first + 7 * last) % len(FIRST)]} {chr(65 + middle)}. {LAST[last]}")
    return out


def _bad_rows(rng: np.random.Generator, n_rows: int) -> np.ndarray:
    count = min(n_rows, max(3, round(n_rows * BAD_SHARE)))
    return np.unique(rng.integers(0, n_rows, count * 2))[:count] if n_rows > 3 else np.arange(n_rows)


def write_benchmark_deals(path: str | Path, n_rows: int, *, seed: int = 1) -> Path:
    """Write ``n_rows`` Salesforce-style opportunity rows to ``path``; returns the path.

    Reps scale with the file (``n_rows // 200``, clipped to 1,000-50,000); accounts ten per rep.
    """
    if n_rows < 1:
        raise ValueError("n_rows must be positive")
    rng = np.random.default_rng(seed)
    n_reps = int(np.clip(n_rows // 200, 1_000, 50_000))
    reps = pa.array(_rep_names(n_reps))
    accounts = pa.array(account_names(rng, min(10 * n_reps, 200_000)))
    products = pa.array([p[0] for p in PRODUCTS])
    share = np.array([p[2] for p in PRODUCTS])
    price = np.array([p[1] for p in PRODUCTS])
    as_of = np.datetime64(AS_OF, "D")
    first_day = as_of - np.timedelta64(HISTORY_DAYS, "D")
    # Every date the file can hold, formatted once; rows index into it.
    calendar = first_day + np.arange(HISTORY_DAYS + 400)
    dates = pa.array(np.datetime_as_string(calendar).astype("U10")).cast(pa.string())
    dates = pc.binary_join_element_wise(pc.utf8_slice_codeunits(dates, 5, 7), pc.utf8_slice_codeunits(dates, 8, 10),
                                        pc.utf8_slice_codeunits(dates, 0, 4), "/")
    stages = pa.array(["Closed Won", "Closed Lost", *OPEN_STAGES])
    bad = _bad_rows(rng, n_rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(c, pa.string()) for c in COLUMNS])
    options = pacsv.WriteOptions(quoting_style="needed")
    next_number = 2_000_000
    with pacsv.CSVWriter(path, schema, write_options=options) as writer:
        for lo in range(0, n_rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, n_rows - lo)
            numbers = next_number + np.cumsum(rng.integers(1, 60, n))
            next_number = int(numbers[-1])
            rep = rng.integers(0, n_reps, n)
            account = (rep * 10 + rng.integers(0, 10, n)) % len(accounts)
            product = rng.choice(len(PRODUCTS), n, p=share)
            created = (lo + np.arange(n, dtype=np.int64)) * HISTORY_DAYS // n_rows  # created grows with the ID
            close = created + np.clip(np.round(45 * np.exp(0.5 * rng.normal(size=n))), 5, 390).astype(np.int64)
            is_open = close > HISTORY_DAYS
            stage = np.where(is_open, 2 + rng.integers(0, len(OPEN_STAGES), n),
                             (rng.random(n) > 0.33).astype(np.int64))
            dollars = np.maximum(np.round(np.exp(np.log(15_000) + 0.6 * rng.normal(size=n)) * price[product] / 50) * 50,
                                 500).astype(np.int64)
            amount = pc.binary_join_element_wise(pa.array(dollars).cast(pa.string()), "00", ".")
            created_s, close_s = dates.take(pa.array(created)), dates.take(pa.array(close))
            local = bad[(bad >= lo) & (bad < lo + n)] - lo
            if len(local):  # alternate: bad amount, bad created date, bad close date
                mask = np.zeros(n, bool)
                kinds = np.full(n, -1)
                kinds[local] = np.arange(len(local)) % 3
                for kind, values in ((0, BAD_AMOUNTS), (1, BAD_DATES), (2, BAD_DATES)):
                    mask[:] = kinds == kind
                    junk = pa.array(np.array(values)[np.arange(n) % len(values)])
                    if kind == 0:
                        amount = pc.if_else(pa.array(mask), junk, amount)
                    elif kind == 1:
                        created_s = pc.if_else(pa.array(mask), junk, created_s)
                    else:
                        close_s = pc.if_else(pa.array(mask), junk, close_s)
            acc, prod = accounts.take(pa.array(account)), products.take(pa.array(product))
            writer.write_table(pa.table([
                pa.array(salesforce_ids(numbers)), pc.binary_join_element_wise(acc, prod, " - "),
                reps.take(pa.array(rep)), acc, prod, stages.take(pa.array(stage)), amount,
                pa.array(np.full(n, "USD")), created_s, close_s,
            ], schema=schema))
    return path


ACTIVITY_COLUMNS = ("Assigned To", "Date", "Activity Type", "Subject")
ACTIVITY_TYPES = ("Call", "Call", "Call", "Email", "Email", "Meeting", "Demo", "Proposal sent", "LinkedIn message")
BAD_ACTIVITY_DATES = ("31/02/2025 10:00", "2025-13-45", "TBD", "")


def write_benchmark_activities(path: str | Path, n_rows: int, *, seed: int = 2) -> Path:
    """Write ``n_rows`` rows of a CRM activity log (one row per call, email, meeting ...) to ``path``.

    No id column, as most activity exports have none; US datetimes ("MM/DD/YYYY HH:MM"); about
    0.01% of rows have an unreadable or blank date. Deterministic for a given ``(n_rows, seed)``.
    """
    if n_rows < 1:
        raise ValueError("n_rows must be positive")
    rng = np.random.default_rng(seed)
    n_reps = int(np.clip(n_rows // 2_000, 100, 20_000))
    reps = pa.array(_rep_names(n_reps))
    types = pa.array(list(ACTIVITY_TYPES))
    first_day = np.datetime64(AS_OF, "D") - np.timedelta64(HISTORY_DAYS, "D")
    days = pa.array(np.datetime_as_string(first_day + np.arange(HISTORY_DAYS)).astype("U10")).cast(pa.string())
    days = pc.binary_join_element_wise(pc.utf8_slice_codeunits(days, 5, 7), pc.utf8_slice_codeunits(days, 8, 10),
                                       pc.utf8_slice_codeunits(days, 0, 4), "/")
    times = pa.array([f"{h:02d}:{m:02d}" for h in range(8, 19) for m in range(0, 60, 5)])
    subjects = pa.array(["Follow-up", "Intro call", "Pricing question", "Demo of the platform", "Contract review",
                         "Check-in", "Renewal", "Proposal"])
    bad = _bad_rows(rng, n_rows)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    schema = pa.schema([(c, pa.string()) for c in ACTIVITY_COLUMNS])
    with pacsv.CSVWriter(path, schema, write_options=pacsv.WriteOptions(quoting_style="needed")) as writer:
        for lo in range(0, n_rows, CHUNK_ROWS):
            n = min(CHUNK_ROWS, n_rows - lo)
            day = (lo + np.arange(n, dtype=np.int64)) * HISTORY_DAYS // n_rows   # the log grows with time
            when = pc.binary_join_element_wise(days.take(pa.array(day)),
                                               times.take(pa.array(rng.integers(0, len(times), n))), " ")
            local = bad[(bad >= lo) & (bad < lo + n)] - lo
            if len(local):
                mask = np.zeros(n, bool)
                mask[local] = True
                junk = pa.array(np.array(BAD_ACTIVITY_DATES)[np.arange(n) % len(BAD_ACTIVITY_DATES)])
                when = pc.if_else(pa.array(mask), junk, when)
            writer.write_table(pa.table([
                reps.take(pa.array(rng.integers(0, n_reps, n))), when,
                types.take(pa.array(rng.integers(0, len(types), n))),
                subjects.take(pa.array(rng.integers(0, len(subjects), n))),
            ], schema=schema))
    return path
