"""Figures as plain dicts (cheaper to build and serialise than go.Figure) with Korean titles and won hovers."""

from __future__ import annotations

THEMES = {
    "light": {"font": "#212529", "grid": "#e9ecef", "bars": ["#3b6fd8", "#9bb7ee"], "limit": "#d63939"},
    "dark": {"font": "#dee2e6", "grid": "#343a40", "bars": ["#6d9cff", "#39507f"], "limit": "#ff6b6b"},
}
FONT = "Noto Sans KR, Noto Sans CJK KR, Apple SD Gothic Neo, Malgun Gothic, sans-serif"


def base_layout(title: str, theme: str, **extra) -> dict:
    colors = THEMES.get(theme, THEMES["light"])
    layout = {
        "title": {"text": title, "font": {"size": 15}, "x": 0.01, "xanchor": "left"},
        "font": {"family": FONT, "color": colors["font"], "size": 12},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "margin": {"l": 56, "r": 12, "t": 48, "b": 40},
        "legend": {"orientation": "h", "y": -0.18, "x": 0},
        "xaxis": {"gridcolor": colors["grid"], "automargin": True},
        "yaxis": {"gridcolor": colors["grid"], "tickformat": ",", "ticksuffix": "원", "automargin": True,
                  "rangemode": "tozero"},
        "hoverlabel": {"namelength": -1},
        "separators": ".,",
    }
    layout.update(extra)
    return layout


def monthly_bars(
    months: list[str],
    by_bucket: dict[str, list[int]],
    bucket_labels: dict[str, str],
    limits: list[int | None],
    texts: dict[str, str],
    theme: str,
) -> dict:
    """Stacked monthly spend per bucket, with the (dated) total limit as a step line."""
    colors = THEMES.get(theme, THEMES["light"])
    data: list[dict] = []
    for index, (bucket, values) in enumerate(by_bucket.items()):
        data.append({
            "type": "bar", "name": bucket_labels[bucket], "x": months, "y": values,
            "marker": {"color": colors["bars"][index % 2]},
            "hovertemplate": "%{x}<br>%{fullData.name}: %{y:,}원<extra></extra>",
        })
    data.append({
        "type": "scatter", "mode": "lines+markers", "name": texts["limit"], "x": months, "y": limits,
        "line": {"color": colors["limit"], "width": 2, "dash": "dash", "shape": "hvh"},
        "marker": {"size": 5},
        "hovertemplate": "%{x}<br>" + texts["limit"] + ": %{y:,}원<extra></extra>",
    })
    return {"data": data, "layout": base_layout(texts["title"], theme, barmode="stack",
                                                xaxis={"type": "category", "gridcolor": colors["grid"]})}
