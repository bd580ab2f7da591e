"""Seeded synthetic sales companies written straight into the canonical tables (no importer).

``simulate_company`` draws, per rep and month, won / lost deals from a gamma-Poisson rate with
a rep level, a shared monthly team shock, an end-of-quarter push and a ramp for hires; deal
amounts are lognormal around the rep's deal size. Activities follow the deals. Used by the
calibration tests and, at scale, by bench/bench_calibrate.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd


def month_starts(start: date, n_months: int) -> list[date]:
    out = []
    for k in range(n_months):
        total = start.year * 12 + start.month - 1 + k
        out.append(date(total // 12, total % 12 + 1, 1))
    return out


def simulate_company(conn: duckdb.DuckDBPyConnection, *, n_reps: int = 30, n_months: int = 24, seed: int = 1,
                     start: date = date(2023, 1, 1), hire_share: float = 0.2, leaver_share: float = 0.1,
                     activities: bool = True, quotas: bool = False, roster: bool = True,
                     deals_per_month: float = 3.0) -> dict:
    """Fill deals/activities/reps(/quotas) of ``conn``; return the true parameters."""
    rng = np.random.default_rng(seed)
    months = month_starts(start, n_months)
    month_idx = np.arange(n_months)
    reps = np.array([f"rep{i:05d}" for i in range(n_reps)], dtype=object)
    teams = np.array([f"team{i % 3}" for i in range(n_reps)], dtype=object)
    level = rng.gamma(4.0, deals_per_month / 4.0, n_reps)               # won deals per month
    deal_size = np.exp(rng.normal(np.log(8000), 0.5, n_reps))
    win_rate = rng.beta(8, 12, n_reps)
    start_m = np.zeros(n_reps, int)
    n_hires = int(round(hire_share * n_reps))
    start_m[:n_hires] = rng.integers(1, max(n_months - 2, 2), n_hires)
    end_m = np.full(n_reps, n_months)                                   # exclusive
    n_leave = int(round(leaver_share * n_reps))
    if n_leave:
        leavers = rng.choice(np.arange(n_hires, n_reps), n_leave, replace=False)
        end_m[leavers] = rng.integers(n_months // 2, n_months, n_leave)
    shock = np.exp(rng.normal(0, 0.15, n_months))
    moq_push = np.array([0.8, 0.9, 1.3])[month_idx % 3]
    tenure = month_idx[None, :] - start_m[:, None]
    ramp = np.clip((tenure + 1) / 4.0, 0.0, 1.0)
    active = (tenure >= 0) & (month_idx[None, :] < end_m[:, None])
    rate = level[:, None] * shock[None, :] * moq_push[None, :] * ramp * rng.gamma(5, 1 / 5, (n_reps, n_months))
    won = np.where(active, rng.poisson(rate), 0)
    lost = np.where(active, rng.poisson(rate * (1 - win_rate[:, None]) / win_rate[:, None]), 0)
    rows = []
    for outcome, counts in (("won", won), ("lost", lost)):
        r_idx, m_idx = np.nonzero(counts)
        reps_rep = np.repeat(r_idx, counts[r_idx, m_idx])
        m_rep = np.repeat(m_idx, counts[r_idx, m_idx])
        day = rng.integers(0, 28, reps_rep.size)
        close = np.array(months, dtype="datetime64[D]")[m_rep] + day.astype("timedelta64[D]")
        created = close - rng.integers(10, 60, reps_rep.size).astype("timedelta64[D]")
        amount = deal_size[reps_rep] * np.exp(rng.normal(0, 0.6, reps_rep.size))
        rows.append(pd.DataFrame({"rep": reps[reps_rep], "close_date": close, "created_date": created,
                                  "amount": np.round(amount, 2), "outcome": outcome, "team": teams[reps_rep]}))
    deals = pd.concat(rows, ignore_index=True)
    deals.insert(0, "deal_id", [f"d{i}" for i in range(len(deals))])
    conn.register("sim_deals", deals)
    conn.execute("""INSERT INTO deals (deal_id, rep, close_date, created_date, amount, stage, outcome, team, import_id)
                    SELECT deal_id, rep, close_date::DATE, created_date::DATE, amount, outcome, outcome, team, 1
                    FROM sim_deals""")
    conn.unregister("sim_deals")
    if roster:
        r = pd.DataFrame({"rep": reps, "team": teams,
                          "start_date": [months[s] - timedelta(days=400) if s == 0 else months[s] + timedelta(days=3)
                                         for s in start_m],
                          "end_date": [None if e >= n_months else months[e] - timedelta(days=1) for e in end_m]})
        conn.register("sim_reps", r)
        conn.execute("INSERT INTO reps (rep, team, start_date, end_date, import_id) "
                     "SELECT rep, team, start_date::DATE, end_date::DATE, 1 FROM sim_reps")
        conn.unregister("sim_reps")
    if activities:
        meetings = np.where(active, rng.poisson((won + lost) * 2.0 + 1.0), 0)
        calls = np.where(active, rng.poisson(meetings * 4.0 + 5.0), 0)
        r_idx, m_idx = np.nonzero(active)
        act = []
        for kind, counts in (("meeting", meetings), ("call", calls)):
            act.append(pd.DataFrame({"rep": reps[r_idx], "activity_date": np.array(months, dtype="datetime64[D]")[m_idx]
                                     + np.timedelta64(14, "D"), "type": kind, "count": counts[r_idx, m_idx]}))
        acts = pd.concat(act, ignore_index=True)
        acts = acts[acts["count"] > 0]
        acts.insert(0, "activity_id", [f"a{i}" for i in range(len(acts))])
        conn.register("sim_acts", acts)
        conn.execute("""INSERT INTO activities (activity_id, rep, activity_date, type, raw_type, count, import_id)
                        SELECT activity_id, rep, activity_date::DATE, type, type, count, 1 FROM sim_acts""")
        conn.unregister("sim_acts")
    if quotas:
        q_rows = []
        r_idx, m_idx = np.nonzero(active)
        target = level[r_idx] * deal_size[r_idx] * np.exp(0.18) * ramp[r_idx, m_idx] * moq_push[m_idx]
        for ri, mi, t in zip(r_idx, m_idx, target, strict=True):
            end = month_starts(months[mi], 2)[1] - timedelta(days=1)
            q_rows.append((reps[ri], "revenue", months[mi], end, float(t)))
        q = pd.DataFrame(q_rows, columns=["rep", "metric", "period_start", "period_end", "target"])
        conn.register("sim_q", q)
        conn.execute("INSERT INTO quotas SELECT rep, metric, period_start::DATE, period_end::DATE, target, 1 FROM sim_q")
        conn.unregister("sim_q")
    return {"reps": reps, "start_month": start_m, "end_month": end_m, "months": months, "level": level,
            "deal_size": deal_size}
