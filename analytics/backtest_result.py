"""What a backtest returns (:func:`analytics.backtest.run_backtest`): its forecasts and scores, and what they
say in words: promises kept or not, the model against the simple rules like with like, the refusal of a
history too short to test.

Apart from the backtest's run so each stays under the house's size: the result is read by the CLI, the
Backtest page, the verdict (:mod:`analytics.backtest_verdict`) and the regimes table alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics import formatting
from analytics.backtest_scores import RULE_INPUT, RULE_NAMES, RuleSkill
from analytics.complete_history import too_little_to_backtest
from analytics.variant_choice import VariantChoice


@dataclass
class BacktestResult:
    metric: str
    grain: str
    levels: tuple[float, ...]
    summary: pd.DataFrame
    coverage: pd.DataFrame
    pit: np.ndarray
    crps: dict[str, float]
    pinball: dict[str, float]
    historical_targets: dict | None
    forecasts: pd.DataFrame
    reliability: pd.DataFrame | None = None
    slices: pd.DataFrame = field(default_factory=pd.DataFrame)
    family: str = "log"
    variant_choice: VariantChoice | None = None
    not_scored: dict[str, str] = field(default_factory=dict)
    """Simple rules left out of the table and the comparison, each with the reason (its input is missing)."""
    n_complete: int = 0
    """Complete periods of the history tested (months when quarters are forecast from months)."""
    n_needed: int = 0
    """The fewest complete periods with a period to test (``BacktestPlan.periods_needed``)."""
    history_unit: str | None = None
    """The unit of ``n_complete``: the grain, or ``"month"`` when quarters are forecast from months."""
    n_partial: int = 0
    """1 when the first of ``n_complete`` is the period the data start inside of (``starts_partial``)."""

    @property
    def n_forecasts(self) -> int:
        return len(self.forecasts)

    @property
    def refusal(self) -> str | None:
        """Why nothing was tested, in one sentence (None when something was): the CLI prints it as its
        refusal and the Backtest page shows it (:func:`analytics.backtest_verdict.from_backtest`)."""
        if self.n_forecasts > 0:
            return None
        if self.n_complete < self.n_needed:
            return too_little_to_backtest(self.grain, self.n_complete, self.n_needed, self.history_unit,
                                          self.n_partial)
        return f"No rep shown was active in a {self.grain} that could be tested."

    def skill(self) -> RuleSkill | None:
        """The model against the simple rule it beats by the least, like with like (each rule against the
        model's error on the rule's own forecasts); ``RuleSkill.gain`` None: that rule made no error, which
        leaves the model's skill against it unmeasured."""
        if "skill_vs_model" not in self.summary:
            return None
        rules = self.summary.drop("model", errors="ignore")
        exact = rules.index[rules["crps"] <= 0]
        skill = rules["skill_vs_model"].dropna()
        if len(exact) == 0 and skill.empty:
            return None
        best = str(exact[0]) if len(exact) else str(skill.idxmin())
        return RuleSkill(best, float(rules.loc[best, "model_crps"]), float(rules.loc[best, "crps"]))

    def to_json_dict(self) -> dict:
        cov = {row.column: _num(row.covered) for row in self.coverage.itertuples()}
        return {
            "metric": self.metric, "grain": self.grain, "n_forecasts": int(self.n_forecasts),
            "coverage": cov,
            "coverage_randomized": {row.column: _num(row.covered_randomized) for row in self.coverage.itertuples()},
            "crps": {k: _num(v) for k, v in self.crps.items()},
            "pinball": {k: _num(v) for k, v in self.pinball.items()},
            "forecasts_scored": {str(k): int(v) for k, v in self.summary.get("forecasts", pd.Series()).items()},
            "model_crps_same_forecasts": {k: _num(v) for k, v in self.model_crps_on().items() if k != "model"},
            "not_scored": dict(self.not_scored),
            "pit_histogram": [_num(x) for x in self.pit],
            "historical_targets": self.historical_targets,
        }

    def plain_language(self) -> list[str]:
        """Sentences a manager can read: promises kept or not, and the gain over simple rules."""
        if self.refusal is not None:
            return [self.refusal]
        out, by_chance = [], []
        for row in self.coverage.itertuples():
            beaten = formatting.rate_and_rest(row.covered_randomized)[1]     # as the Backtest page's tiles
            out.append(f"Targets set at P{round(100 * row.level)} were beaten {beaten} of the time; "
                       f"{formatting.rate(1 - row.level)} was promised.")
            # The band is what this many origins and reps can tell apart: a promise inside it is not broken.
            if row.band_lo <= row.level <= row.band_hi and abs(row.covered_randomized - row.level) >= MISS:
                by_chance.append(f"P{round(100 * row.level)}")
        if by_chance:
            named = f"{', '.join(by_chance[:-1])} and {by_chance[-1]}" if len(by_chance) > 1 else by_chance[0]
            out.append(f"The {'misses' if len(by_chance) > 1 else 'miss'} at {named} {'are' if len(by_chance) > 1 else 'is'} "
                       "within what chance gives on a history this short: with its periods and reps resampled, "
                       "the promise stays inside the range.")
        skill = self.skill()
        n = int(self.summary.loc[skill.best_rule, "forecasts"]) \
            if skill is not None and "forecasts" in self.summary else self.n_forecasts
        if skill is not None and skill.gain is None:   # a ratio to an error of 0 measures nothing
            out.append(f"The best simple rule ({skill.best_rule.replace('_', ' ')}) made no error over "
                       f"{formatting.count(n)} rep-periods, so the model's skill against it cannot be measured.")
        elif skill is not None and skill.gain is not None:
            words = "more" if skill.gain >= 0 else "less"
            out.append(f"The model's ranges were {formatting.rate(abs(skill.gain))} {words} accurate than the best "
                       f"simple rule ({skill.best_rule.replace('_', ' ')}), over {formatting.count(n)} rep-periods.")
        if self.historical_targets:
            h = self.historical_targets
            out.append(f"Your past targets were hit {formatting.rate(h['hit_rate'])} of the time "
                       f"({formatting.count(h['n'])} rep-periods); the model gave them on average a "
                       f"{formatting.rate(h['mean_predicted_p_attain'])} chance.")
        return out

    def model_crps_on(self) -> dict[str, float]:
        """The model's error on each scored method's own forecasts (all of them, but for a rule whose input
        exists on a part only): what each rule's error is compared with."""
        if "model_crps" not in self.summary:
            return {}
        return {str(k): float(v) for k, v in self.summary["model_crps"].items()}

    def best_rule(self) -> tuple[str, float] | None:
        """:meth:`skill` as (rule, the model's error reduction against it: ``1 - model / rule`` on the rule's
        forecasts; negative: the rule was more accurate); None also when that rule made no error."""
        skill = self.skill()
        return None if skill is None or skill.gain is None else (skill.best_rule, skill.gain)

    def comparable_crps(self) -> dict[str, float]:
        """The errors of the model and of the rules scored on every forecast (their bars can stand side by side)."""
        if "forecasts" not in self.summary:
            return dict(self.crps)
        full = self.summary.index[self.summary["forecasts"] >= self.n_forecasts]
        return {k: v for k, v in self.crps.items() if k in full}

    def rule_notes(self) -> list[str]:
        """One line per rule not scored, or scored on a part of the forecasts, saying so and why."""
        out = [f"{RULE_NAMES.get(m, m)}: not scored, {why}." for m, why in self.not_scored.items()]
        if "forecasts" in self.summary:
            for m, row in self.summary.iterrows():
                if m != "model" and row["forecasts"] < self.n_forecasts:
                    out.append(f"{RULE_NAMES.get(str(m), m)}: scored on the {formatting.count(int(row['forecasts']))} of "
                               f"{formatting.count(self.n_forecasts)} forecasts that had "
                               f"{RULE_INPUT.get(str(m), 'its input')}, against the model's error on those same "
                               f"forecasts ({formatting.score(row['model_crps'])} for the model, "
                               f"{formatting.score(row['crps'])} for the rule).")
        return out


MISS = 0.05   # a covered share this far from its promise is named a miss in words


def _num(x: float | None) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), 6)
