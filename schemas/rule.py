"""A rule: one vectorised test over a table, with a stable problem code and the field it is about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import pandas as pd
import pandera.pandas as pa

Test = Callable[[pd.DataFrame], pd.Series]
Detail = Callable[[pd.DataFrame, pd.Index], Iterable[str]]


@dataclass(frozen=True)
class Rule:
    code: str
    field: str
    test: Test  # True where the row satisfies the rule
    detail: Detail | None = None  # explains each failing row; default: the offending value

    @property
    def name(self) -> str:
        return f"{self.code}@{self.field}"

    def check(self) -> pa.Check:
        test = self.test

        def project_rule(df: pd.DataFrame) -> pd.Series:
            # pandera dispatches on the function's __name__, so a test named like a built-in
            # check (in_range, isin, ...) would silently run pandera's version instead
            return test(df)

        return pa.Check(project_rule, name=self.name)

    def explain(self, frame: pd.DataFrame, index: pd.Index) -> list[str]:
        if self.detail is not None:
            return list(self.detail(frame, index))
        if self.field in frame.columns:
            return [f"{self.field} is {v!r}" for v in frame.loc[index, self.field]]
        return [f"row fails {self.code}"] * len(index)


def present(s: pd.Series) -> pd.Series:
    return s != ""


def as_int(s: pd.Series) -> pd.Series:
    """Integers where the cell is one, NA elsewhere (type errors are reported by their own rule)."""
    return pd.to_numeric(s.where(s.str.fullmatch(r"[+-]?[0-9]{1,18}", na=False)), errors="coerce").astype("Int64")
