"""A small seeded company for the tracking and review tests, written with plain SQL inserts.

Ten reps in two teams, 2024-01-01 .. AS_OF (2026-02-14, inside 2026-Q1). Every working week a rep
makes calls; calls convert to meetings, demos and opportunities (deals created); an opportunity is
won with the rep's win rate and closes 0-40 days later. Revenue is pushed toward quarter ends so the
within-quarter shape is not flat. In 2026-Q1 two reps go wrong on purpose:

* ``slow``  makes 35% of their usual calls (same conversion): "activity volume short";
* ``leaky`` makes their usual calls but converts calls to meetings at a fifth of the usual rate and
  wins at a fifth of the usual rate: "conversion short".

Two saved sets are inserted directly into ``target_sets`` / ``target_set_rows`` /
``target_set_activity_rows``: "Q1 plan" for 2026-Q1 (being tracked) and "Q4 plan" for 2025-Q4
(finished: reviewed). CRM quotas exist for 2025.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pandas as pd

AS_OF = date(2026, 2, 14)
START = date(2024, 1, 1)
REPS = {  # rep: (team, level)
    "ana": ("east", 1.0), "ben": ("east", 1.3), "cai": ("east", 0.8), "dee": ("east", 1.1),
    "eli": ("west", 0.9), "fay": ("west", 1.2), "gus": ("west", 1.0), "hal": ("west", 0.7),
    "slow": ("west", 1.0), "leaky": ("east", 1.0),
}
LEAVER, LEFT_ON = "old", date(2025, 5, 31)   # a leaver in the history (not in any set)
CALLS_PER_WEEK, TO_MEETING, TO_DEMO, TO_OPP, WIN, DEAL_SIZE = 60, 0.12, 0.5, 0.5, 0.3, 9000.0
Q1_2026 = date(2026, 1, 1)


def _simulate(seed: int = 11):
    rng = np.random.default_rng(seed)
    deals, acts = [], []
    week = START
    while week <= AS_OF:
        for rep, (team, level) in [*REPS.items(), (LEAVER, ("west", 0.9))]:
            if rep == LEAVER and week > LEFT_ON:
                continue
            calls_rate, meet_p, win_p = CALLS_PER_WEEK * level, TO_MEETING, WIN
            if week >= Q1_2026 and rep == "slow":
                calls_rate *= 0.35
            if week >= Q1_2026 and rep == "leaky":
                meet_p, win_p = TO_MEETING / 5, WIN / 5
            calls = rng.poisson(calls_rate)
            meetings = rng.binomial(calls, meet_p)
            demos = rng.binomial(meetings, TO_DEMO)
            opps = rng.binomial(demos, TO_OPP)
            for kind, n in (("call", calls), ("meeting", meetings), ("demo", demos)):
                for day in range(5):  # spread over the working week
                    d = week + timedelta(days=day)
                    share = n // 5 + (1 if day < n % 5 else 0)
                    if share and d <= AS_OF:
                        acts.append((rep, d, kind, share))
            for _ in range(opps):
                created = week + timedelta(days=int(rng.integers(0, 5)))
                close = created + timedelta(days=int(rng.integers(0, 41)))
                q_end = _quarter_end(close)
                if rng.uniform() < 0.35 and (q_end - close).days < 45:   # end-of-quarter push
                    close = q_end - timedelta(days=int(rng.integers(0, 6)))
                won = rng.uniform() < win_p
                amount = float(DEAL_SIZE * level * rng.lognormal(0, 0.4))
                if created > AS_OF:
                    continue
                if close > AS_OF:
                    deals.append((rep, None, created, amount, "open", team))
                else:
                    deals.append((rep, close, created, amount if won else amount, "won" if won else "lost",
                                  team))
        week += timedelta(days=7)
    return deals, acts


def _quarter_end(d: date) -> date:
    m = ((d.month - 1) // 3 + 1) * 3
    nxt = date(d.year + (m == 12), m % 12 + 1, 1)
    return nxt - timedelta(days=1)


def populate(conn, seed: int = 11) -> None:
    deals, acts = _simulate(seed)
    d = pd.DataFrame(deals, columns=["rep", "close_date", "created_date", "amount", "outcome", "team"])
    d.insert(0, "deal_id", [f"D{i:06d}" for i in range(len(d))])
    a = pd.DataFrame(acts, columns=["rep", "activity_date", "type", "count"])
    a.insert(0, "activity_id", [f"A{i:07d}" for i in range(len(a))])
    r = pd.DataFrame([(rep, team, START, None) for rep, (team, _) in REPS.items()]
                     + [(LEAVER, "west", START, LEFT_ON)], columns=["rep", "team", "start_date", "end_date"])
    conn.register("d_df", d)
    conn.register("a_df", a)
    conn.register("r_df", r)
    conn.execute("INSERT INTO deals (deal_id, rep, close_date, created_date, amount, stage, outcome, team, "
                 "import_id) SELECT deal_id, rep, close_date, created_date, amount, outcome, outcome, team, 1 "
                 "FROM d_df")
    conn.execute("INSERT INTO activities (activity_id, rep, activity_date, type, raw_type, count, import_id) "
                 "SELECT activity_id, rep, activity_date, type, type, count, 1 FROM a_df")
    conn.execute("INSERT INTO reps (rep, team, start_date, end_date, import_id) "
                 "SELECT rep, team, start_date, end_date, 1 FROM r_df")
    for name in ("d_df", "a_df", "r_df"):
        conn.unregister(name)
    quarterly = DEAL_SIZE * CALLS_PER_WEEK * 13 * TO_MEETING * TO_DEMO * TO_OPP * WIN
    for rep, (_, level) in REPS.items():
        for q_start, q_end in ((date(2025, 1, 1), date(2025, 3, 31)), (date(2025, 4, 1), date(2025, 6, 30)),
                               (date(2025, 7, 1), date(2025, 9, 30)), (date(2025, 10, 1), date(2025, 12, 31))):
            conn.execute("INSERT INTO quotas VALUES (?, 'revenue', ?, ?, ?, 1)",
                         [rep, q_start, q_end, quarterly * level * 1.1])
    insert_set(conn, "Q1 plan", "2026-Q1", with_activities=True)
    insert_set(conn, "Q4 plan", "2025-Q4", status="final")


def insert_set(conn, name: str, period: str, status: str = "draft", with_activities: bool = False,
               metric: str = "revenue") -> int:
    """A saved set straight into the tables: base/stretch/excellence at 0.85/1.1/1.35 x the rep's
    usual quarter, saved chances 0.65/0.30/0.10, calls target = the usual calls per quarter."""
    set_id = conn.execute("SELECT nextval('target_set_id_seq')").fetchone()[0]
    conn.execute("INSERT INTO target_sets (set_id, name, version, status, period, grain, metric, tiers_json, "
                 "method, team_target, revision) VALUES (?, ?, 1, ?, ?, 'quarter', ?, ?, 'percentile', NULL, 1)",
                 [set_id, name, status, period, metric, json.dumps({"base": 35, "stretch": 70, "excellence": 90})])
    quarterly = DEAL_SIZE * CALLS_PER_WEEK * 13 * TO_MEETING * TO_DEMO * TO_OPP * WIN
    for rep, (_, level) in REPS.items():
        for tier, mult, p in (("base", 0.85, 0.65), ("stretch", 1.1, 0.30), ("excellence", 1.35, 0.10)):
            conn.execute("INSERT INTO target_set_rows (set_id, rep, tier, target, model_value, p_attain, source) "
                         "VALUES (?, ?, ?, ?, ?, ?, 'model')",
                         [set_id, rep, tier, quarterly * level * mult, quarterly * level * mult, p])
        if with_activities:
            calls = CALLS_PER_WEEK * level * 13
            conn.execute("INSERT INTO target_set_activity_rows VALUES (?, ?, 'calls', ?, ?)",
                         [set_id, rep, calls, calls / 13])
    return int(set_id)
