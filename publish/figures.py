"""The timeline figure, drawn from events.csv with honest precision: each event is a bar over
the whole span its EDTF date can denote (a year-precision date is a year-long bar), possible
events are hatched, and undated events are listed apart instead of being placed anywhere. Data text is
drawn as text: matplotlib would read two '$' in a summary as mathematics (or fail on it)."""

from __future__ import annotations

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Fixed settings so that the same data always gives the same bytes (the docs staleness test).
LABEL_CHARS = 150  # about how many 7-point characters span the axes of the 9-inch figure
RC = {"svg.hashsalt": "timeline", "svg.fonttype": "none", "font.family": "DejaVu Sans", "font.size": 8}


def _colours(types: list[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab20")
    return {t: cmap(i % 20) for i, t in enumerate(types)}


def timeline(events: pd.DataFrame, event_types: pd.DataFrame) -> plt.Figure:
    # an event is placed by both bounds; one with an open or unknown end (2025-04/) is listed apart
    # with the undated ones, rather than drawn with an end the data does not give
    placed = (events["date_start"] != "") & (events["date_end"] != "")
    dated = events[placed].copy()
    undated = events[~placed]
    dated["start"] = pd.to_datetime(dated["date_start"])
    dated["end"] = pd.to_datetime(dated["date_end"]) + pd.Timedelta(days=1)
    dated = dated.sort_values(["start", "end", "event_id"]).reset_index(drop=True)
    colours = _colours(list(event_types["event_type"]))
    with plt.rc_context(RC):
        fig, ax = plt.subplots(figsize=(9, 0.42 * len(dated) + 2.6))
        lo, hi = dated["start"].min() - pd.Timedelta(days=45), dated["end"].max() + pd.Timedelta(days=45)
        for y, row in dated.iterrows():
            ax.barh(y, row["end"] - row["start"], left=row["start"], height=0.6, color=colours[row["event_type"]],
                    hatch="//" if row["status"] != "occurred" else None, edgecolor="black", linewidth=0.4)
            label = f"{row['event_id']} {row['event_type']}  {row['date']}" + (f" ({row['date_text']})" if row["date_text"] else "")
            needed = len(label) * (hi - lo) / LABEL_CHARS + pd.Timedelta(days=12)
            if max(row["start"] - lo, hi - row["end"]) < needed:  # no room beside the bar: on it, legible
                ax.text(row["start"] + pd.Timedelta(days=12), y, label, va="center", ha="left", fontsize=7, parse_math=False,
                        bbox={"facecolor": "white", "alpha": 0.85, "linewidth": 0, "pad": 1})
            elif row["start"] - lo > hi - row["end"]:  # label on the side with more room
                ax.text(row["start"] - pd.Timedelta(days=12), y, label, va="center", ha="right", fontsize=7, parse_math=False)
            else:
                ax.text(row["end"] + pd.Timedelta(days=12), y, label, va="center", ha="left", fontsize=7, parse_math=False)
        ax.set_yticks([])
        ax.invert_yaxis()
        ax.set_xlim(lo, hi)
        ax.set_title("Events by date: each bar covers every day its date can denote; hatched = possible, not occurred")
        used = [t for t in event_types["event_type"] if t in set(dated["event_type"])]  # a legend entry only for a drawn bar
        handles = [plt.Rectangle((0, 0), 1, 1, color=colours[t]) for t in used]
        legend = ax.legend(handles, used, loc="lower left", fontsize=7, ncol=3, frameon=False, bbox_to_anchor=(0, 1.04))
        for text in legend.get_texts():
            text.set_parse_math(False)
        if len(undated):
            lines = [f"{r.event_id} {r.event_type}: {textwrap.shorten(r.summary, 90)}" for r in undated.itertuples()]
            fig.text(0.01, 0.01, "Not drawn, a bound of their date is open or unknown:\n" + "\n".join(lines), fontsize=7, va="bottom", parse_math=False)
        fig.subplots_adjust(left=0.03, right=0.97, top=0.86, bottom=0.1 + 0.035 * len(undated))
    return fig


def render(events: pd.DataFrame, event_types: pd.DataFrame) -> dict[str, bytes]:
    """{'svg': ...}: the timeline, byte-reproducible. SVG only: the README, the zip and the site
    embed it, and a PNG that nothing linked cost twice the SVG's time on every docs --check."""
    key = (_cells(events), _cells(event_types))
    if key not in _DRAWN:  # the same rows draw the same bytes: docs --check after docs draws nothing
        if len(_DRAWN) >= 4:
            _DRAWN.clear()
        _DRAWN[key] = _svg(events, event_types)
    return {"svg": _DRAWN[key]}


_DRAWN: dict[tuple, bytes] = {}


def _cells(frame: pd.DataFrame) -> tuple:
    return tuple(frame.columns), tuple(frame.astype(object).itertuples(index=False, name=None))


def _svg(events: pd.DataFrame, event_types: pd.DataFrame) -> bytes:
    fig = timeline(events, event_types)
    buf = io.BytesIO()
    with plt.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None}, dpi=120)
    plt.close(fig)
    return buf.getvalue()
