"""Choosing the model's variant on the user's own history, as it goes (issue 14): prequential.

Every variant of :mod:`analytics.model_variants` is scored (mean scaled CRPS) at the latest
:data:`MAX_SCORED` rolling origins of the history, on at most :data:`SAMPLE_REPS` reps: this picks
a form of the model, not a rep's number, so a sample of reps is enough and keeps it cheap. Then,
origin by origin, the variant *used* at origin t is the one with the lowest mean error over the
scored origins before t whose outcomes are known at t (a quarter from monthly origins: three months on):

* with fewer than :data:`MIN_EARLIER` scored origins before t, the standard model;
* a challenger replaces the variant in use (the incumbent) only when its mean error is at least
  :data:`MIN_GAIN` lower, so a difference within the noise of a few origins changes nothing.

Every backtest forecast was therefore made with information from before it: nothing is chosen on
the origin it is scored on, and every origin can be reported. The forecast of the next period
uses the choice after the last origin (all past origins) when it is confirmed: the confirmation is
what the choice bought, the error of the forecasts chosen as they went against the standard model's
over the reported origins; a choice that did worse there leaves the next period to the standard model.

Everything here is pure arithmetic on a :class:`VariantScores` table; the fits that fill it are
:func:`analytics.backtest_cases.variant_scores` (cached per data, :func:`cached`, and per origin by what its
fits read, :func:`origins_cached`: the history cut at the quarter tracked and at the next one share all but
their latest origins, and each cut refits only the origins the other did not score).

Example
-------
Team trend 10% better from the start: it takes over once four origins are behind it.

>>> import numpy as np
>>> scores = VariantScores(tuple("abcdefgh"), tuple(range(8)), np.full(8, 10.0),
...                        {"standard": np.full(8, 10.0), "team_trend": np.full(8, 9.0)})
>>> prequential(scores)
('standard', 'standard', 'standard', 'standard', 'team_trend', 'team_trend', 'team_trend', 'team_trend', 'team_trend')
>>> choice = choose(scores, list(range(8)))
>>> choice.chosen.name, round(choice.gain, 3)
('team_trend', 0.05)
>>> choice.reason
'Model: team trend — over your last 8 starting points its forecasts scored 5% lower error than the standard model; each used the variant that had been best before it.'

A variant once best whose forecasts came out level with the standard model's says so, not "0.0% lower":

>>> level = np.array([9.0, 9.0, 9.0, 9.0, 9.99, 9.99, 9.99, 9.99])
>>> choose(VariantScores(tuple("abcdefgh"), tuple(range(8)), np.full(8, 10.0),
...                      {"standard": np.full(8, 10.0), "no_rep_shape": level}), list(range(8))).reason
'Model: no rep month-of-quarter shape — over your last 8 starting points its forecasts scored the same error as the standard model to within 0.5%; each used the variant that had been best before it.'

Better early, worse once used: not confirmed, so the next period is forecast with the standard model.

>>> trend = np.array([8.0, 8.0, 8.0, 8.0, 11.0, 11.0, 11.0, 11.0])
>>> late = choose(VariantScores(tuple("abcdefgh"), tuple(range(8)), np.full(8, 10.0),
...                             {"standard": np.full(8, 10.0), "team_trend": trend}), list(range(8)))
>>> late.used[7], late.chosen.name, round(late.gain, 3)
('team_trend', 'standard', -0.05)
>>> late.reason
'Model: standard — over your last 8 starting points, choosing as it went (team trend once best before) scored 5% higher error than the standard model, so the standard model is kept.'
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from analytics import formatting
from analytics.model_variants import BY_NAME, STANDARD, ModelVariant
from analytics.panel_arrays import OPEN_DEALS, PanelArrays

MAX_SCORED = 24     # the latest origins every variant is scored at (the cost: a small fit per variant and origin)
SAMPLE_REPS = 300   # reps the variants are scored on (a deterministic sample when there are more)
MIN_EARLIER = 4     # scored origins needed before one before another variant than the standard can be used
MIN_GAIN = 0.02     # a challenger replaces the variant in use only with at least 2% lower mean error
CACHE_SIZE = 16
SAME_WITHIN = 0.005  # a gain or loss smaller than this is said as the same error (it shows as 0.0% otherwise)


@dataclass(frozen=True)
class VariantScores:
    """Every variant's scaled CRPS at the scored origins (oldest first), summed over its forecasts.

    ``columns`` are the origins' column indices in the history, ``counts`` the forecasts at each
    (the same reps for every variant), ``sums[name]`` the summed scaled CRPS per origin."""

    labels: tuple[str, ...]
    columns: tuple[int, ...]
    counts: np.ndarray
    sums: dict[str, np.ndarray]
    horizon: int = 1   # columns from an origin to the end of what it forecasts (3: a quarter from months)


def sample_rows(n_reps: int, size: int = SAMPLE_REPS) -> np.ndarray:
    """The reps the variants are scored on: all, or ``size`` of them spread by a fixed seed.

    >>> sample_rows(5).tolist(), sample_rows(10_000).size, bool((sample_rows(10_000) == sample_rows(10_000)).all())
    ([0, 1, 2, 3, 4], 300, True)
    """
    if n_reps <= size:
        return np.arange(n_reps)
    return np.sort(np.random.default_rng(14).choice(n_reps, size, replace=False))


def prequential(scores: VariantScores) -> tuple[str, ...]:
    """The variant used at each scored origin, and after the last one (one more than the origins).

    An origin's score counts from the first origin at or after its outcome is known: the next one for
    one period ahead, three columns on for a quarter from monthly origins (``horizon`` 3: the months
    in between are not over yet when those origins forecast)."""
    names = list(scores.sums)
    used, incumbent = [], STANDARD.name
    total = dict.fromkeys(names, 0.0)
    seen, n_forecasts, known = 0, 0.0, 0
    n = len(scores.columns)
    for j in range(n + 1):
        while known < j and (j == n or scores.columns[known] + scores.horizon <= scores.columns[j]):
            if scores.counts[known] > 0:
                for k in names:
                    total[k] += float(scores.sums[k][known])
                n_forecasts += float(scores.counts[known])
                seen += 1
            known += 1
        if seen >= MIN_EARLIER and n_forecasts > 0:
            best = min(names, key=lambda k: total[k])
            if best != incumbent and total[best] <= (1 - MIN_GAIN) * total[incumbent]:
                incumbent = best
        used.append(incumbent)
    return tuple(used)


@dataclass(frozen=True)
class VariantChoice:
    """The variant for the next period, the one used at each reported origin, and what it bought.

    ``as_you_go`` and ``standard`` are mean scaled CRPS over ``confirm_origins`` (the reported
    origins that were scored) of the forecasts chosen as they went and of the standard model;
    ``means`` each variant's mean over every scored origin."""

    chosen: ModelVariant
    used: dict[int, str]
    n_scored: int
    confirm_origins: tuple[str, ...]
    as_you_go: float
    standard: float
    means: dict[str, float]

    @property
    def gain(self) -> float:
        """1 - as-you-go error / standard error: positive when the choice helped."""
        return 1 - self.as_you_go / self.standard if self.standard > 0 else 0.0

    def variant_at(self, column: int) -> ModelVariant:
        """The variant a forecast made at origin ``column`` used (the standard model before scoring)."""
        return BY_NAME[self.used.get(column, STANDARD.name)]

    @property
    def reason(self) -> str:
        """One sentence for Baselines: which variant, and what choosing as it went did on your history."""
        label = self.chosen.label
        past = formatting.count(self.n_scored)
        if self.n_scored <= MIN_EARLIER:
            return (f"Model: {label} — too little history to compare variants "
                    f"({past} past starting points; {MIN_EARLIER + 1} needed).")
        if any(name != STANDARD.name for name in self.used.values()) and self.confirm_origins:
            if self.gain < 0 and self.chosen == STANDARD:
                tried = sorted({BY_NAME[name].label for name in self.used.values() if name != STANDARD.name})
                return (f"Model: standard — over your last {formatting.count(len(self.confirm_origins))} starting "
                        f"points, choosing as it went ({', '.join(tried)} once best before) scored "
                        f"{formatting.rate(abs(self.gain))} higher error than the standard model, so the standard "
                        "model is kept.")
            words = "lower" if self.gain >= 0 else "higher"
            scored = (f"{formatting.rate(abs(self.gain))} {words} error than the standard model"
                      if abs(self.gain) >= SAME_WITHIN else  # ('0.0% lower' reads as a change made for nothing)
                      f"the same error as the standard model to within {formatting.rate(SAME_WITHIN)}")
            return (f"Model: {label} — over your last {formatting.count(len(self.confirm_origins))} starting points "
                    f"its forecasts scored {scored}; each used the variant that had been best before it.")
        base = self.means[STANDARD.name]
        if self.chosen == STANDARD:
            runner = min((k for k in self.means if k != STANDARD.name), key=lambda k: self.means[k])
            gap = self.means[runner] / base - 1
            return (f"Model: {label} — no variant had {formatting.rate(MIN_GAIN)} lower error over your past "
                    f"{past} starting points (next best: {BY_NAME[runner].label}, {formatting.rate(abs(gap))} "
                    f"{'higher' if gap >= 0 else 'lower'}).")
        return (f"Model: {label} — {formatting.rate(1 - self.means[self.chosen.name] / base)} lower error than "
                f"the standard model over your past {past} starting points.")


def choose(scores: VariantScores, reported: Sequence[int]) -> VariantChoice:
    """The prequential choice over ``scores`` and its confirmation on the ``reported`` origin columns."""
    path = prequential(scores)
    report = {int(c) for c in reported}
    picked = [j for j, c in enumerate(scores.columns) if c in report and scores.counts[j] > 0]
    n = float(np.sum(scores.counts[picked])) if picked else 0.0
    as_you_go = sum(float(scores.sums[path[j]][j]) for j in picked) / n if n else float("nan")
    standard = float(np.sum(scores.sums[STANDARD.name][picked])) / n if n else float("nan")
    total = float(np.sum(scores.counts))
    means = {k: float(np.sum(v)) / total if total else float("nan") for k, v in scores.sums.items()}
    chosen = BY_NAME[path[-1]]
    if chosen != STANDARD and n and as_you_go > standard:
        # Not confirmed: choosing as it went did worse on the reported origins than the standard model all
        # along, so the variant the earlier origins favour is not what the next period is forecast with.
        chosen = STANDARD
    return VariantChoice(chosen, {c: path[j] for j, c in enumerate(scores.columns) if c in report},
                         int(np.sum(scores.counts > 0)), tuple(scores.labels[j] for j in picked),
                         as_you_go, standard, means)


DIGEST_BITS = 20   # mantissa bits of each value the cache key keeps (about six significant digits)


def digest(arrays: PanelArrays, *keys: object) -> str:
    """A key for the per-data cache: the outcomes, exposures, tenures and open deals, the periods and ``keys``.

    Values are rounded to :data:`DIGEST_BITS` bits of mantissa first: DuckDB adds a rep's deals in
    whatever order its threads meet them, so the same data can give sums a few units apart in the
    last place (7e-12 on a sum of 1e5), and an exact key then missed the cache on the second read.

    >>> from analytics.panel_arrays import OPEN_DEALS, PanelArrays
    >>> def panel(v):
    ...     y = np.array([[v, np.nan]])
    ...     return PanelArrays(np.array(["a"], object), np.array([None]), [], y, y, y, np.ones(2, bool), "month", 1)
    >>> digest(panel(123456.7)) == digest(panel(123456.7 + 1e-10)), digest(panel(123456.7)) == digest(panel(123457.7))
    (True, False)
    """
    h = hashlib.blake2b(digest_size=16)
    drop = 52 - DIGEST_BITS
    open_deals = [arrays.extra[OPEN_DEALS]] if OPEN_DEALS in arrays.extra else []
    for a in (arrays.y, arrays.expfrac, arrays.tenure, *open_deals):
        bits = np.ascontiguousarray(np.nan_to_num(a, nan=-1.0), dtype=np.float64).view(np.int64)
        h.update(((bits + (1 << (drop - 1))) >> drop).tobytes())
    h.update(repr([p.label for p in arrays.periods]).encode())
    h.update(repr(keys).encode())
    return h.hexdigest()


_CACHE: dict[str, VariantScores] = {}
_CACHE_LOCK = threading.Lock()   # the dashboard backtests in a worker thread while a page calibrates


def cached(key: str, make: Callable[[], VariantScores]) -> VariantScores:
    """The scores stored under ``key``, made once (the oldest of :data:`CACHE_SIZE` is forgotten).

    Two threads asking at once may both make them (no lock is held while fitting); either result is
    the same."""
    with _CACHE_LOCK:
        found = _CACHE.get(key)
    if found is not None:
        return found
    made = make()
    with _CACHE_LOCK:
        if len(_CACHE) >= CACHE_SIZE and key not in _CACHE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = made
    return made


@dataclass(frozen=True)
class OriginScore:
    """One scored origin: its label, the forecasts made there, and each variant's summed scaled CRPS."""

    label: str
    count: int
    sums: dict[str, float]


def origin_key(arrays: PanelArrays, column: int, *keys: object) -> str:
    """A key for one origin's scores: what its fits and its score read of ``arrays`` (the reps, their
    outcomes, exposures and tenures up to and including ``column``, the active cells and won and closed
    counts before it, the periods, grain and fiscal year) and ``keys``. Outcomes, exposures and tenures are
    rounded as :func:`digest` rounds them."""
    head = arrays.subset(n_cols=column + 1)
    h = hashlib.blake2b(digest_size=16)
    h.update(repr([str(r) for r in arrays.reps]).encode())
    active = arrays.extra.get("active")
    h.update(b"-" if active is None else np.ascontiguousarray(active[:, :column], dtype=bool).tobytes())
    for counts in (arrays.won, arrays.closed):      # (a rate's fit reads them)
        h.update(b"-" if counts is None else np.ascontiguousarray(counts[:, :column], dtype=float).tobytes())
    return digest(head, arrays.grain, arrays.fiscal_start_month, h.hexdigest(), *keys)


_ORIGINS: dict[str, OriginScore] = {}
ORIGIN_CACHE_SIZE = 256   # origins kept: two dozen a history cut, for a few metrics, grains and cuts


def origins_cached(keys: Sequence[str], make: Callable[[list[int]], list[OriginScore]]) -> list[OriginScore]:
    """The scores stored under each of ``keys``; those not stored are made at once by ``make`` (given their
    positions in ``keys``) and stored (the oldest of :data:`ORIGIN_CACHE_SIZE` forgotten first)."""
    with _CACHE_LOCK:
        found = {j: _ORIGINS[k] for j, k in enumerate(keys) if k in _ORIGINS}
    missing = [j for j in range(len(keys)) if j not in found]
    if missing:
        made = dict(zip(missing, make(missing), strict=True))
        with _CACHE_LOCK:
            for j, score in made.items():
                if len(_ORIGINS) >= ORIGIN_CACHE_SIZE and keys[j] not in _ORIGINS:
                    _ORIGINS.pop(next(iter(_ORIGINS)))
                _ORIGINS[keys[j]] = score
        found |= made
    return [found[j] for j in range(len(keys))]


def clear() -> None:
    """Forget every cached score (whole histories' and origins'): what a benchmark of a cold choice starts from."""
    with _CACHE_LOCK:
        _CACHE.clear()
        _ORIGINS.clear()
