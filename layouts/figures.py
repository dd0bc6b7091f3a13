"""Figures as plain dicts (cheaper to build and serialise than go.Figure) with Korean titles and won hovers."""

from __future__ import annotations

import html

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


# Each bucket's limit line: the bar colours, darker (light theme) / lighter (dark), so a line reads as its bars'.
LIMIT_COLORS = {"light": ["#1f3f8a", "#5b7fc4"], "dark": ["#a9c4ff", "#7f9bd6"]}


def monthly_bars(
    months: list[str],
    by_bucket: dict[str, list[int]],
    bucket_labels: dict[str, str],
    limits: dict[str, list[int | None]],
    texts: dict[str, str],
    theme: str,
) -> dict:
    """Monthly spend per bucket side by side, each against its own (dated) limit as a step line — the limits
    are per bucket, so a combined line would aim at a figure no bucket has. The last month is still running:
    its bars are hatched and marked (texts["partial"])."""
    colors = THEMES.get(theme, THEMES["light"])
    limit_colors = LIMIT_COLORS.get(theme, LIMIT_COLORS["light"])
    # Hatched, not paler: a paler bar would read as the other bucket's colour.
    partial = {"shape": ["/" if index == len(months) - 1 else "" for index in range(len(months))],
               "fillmode": "overlay", "fgcolor": colors["font"], "fgopacity": 0.35, "size": 6}
    data: list[dict] = []
    for index, (bucket, values) in enumerate(by_bucket.items()):
        data.append({
            "type": "bar", "name": bucket_labels[bucket], "x": months, "y": values, "offsetgroup": bucket,
            "marker": {"color": colors["bars"][index % 2], "pattern": partial},
            "hovertemplate": "%{x}<br>%{fullData.name}: %{y:,}원<extra></extra>",
        })
    for index, (bucket, values) in enumerate(limits.items()):
        if not any(values):
            continue
        name = texts["bucket_limit"].format(bucket=bucket_labels[bucket])
        # Named on the line itself, not in the legend: four legend entries wrap over the title at 375 px.
        data.append({
            "type": "scatter", "mode": "lines+text", "name": name, "x": months, "y": values, "showlegend": False,
            "text": [""] * (len(months) - 1) + [name], "textposition": "top left",
            "textfont": {"size": 11, "color": limit_colors[index % 2]},
            "line": {"color": limit_colors[index % 2], "width": 2, "dash": "dash", "shape": "hvh"},
            "hovertemplate": "%{x}<br>" + name + ": %{y:,}원<extra></extra>",
        })
    layout = base_layout(texts["title"], theme, barmode="group",
                         xaxis={"type": "category", "gridcolor": colors["grid"], "automargin": True})
    if months:
        layout["annotations"] = [{"x": months[-1], "y": 1, "yref": "paper", "yanchor": "bottom", "showarrow": False,
                                  "text": texts["partial"], "font": {"size": 11}}]
    return {"data": data, "layout": phone_friendly(layout)}


LEGEND_TOP = 84  # top margin with a legend: the title (~34 px) and up to two legend rows at 375 px


def phone_friendly(layout: dict, legend: bool = True) -> dict:
    """Overview tweaks for narrow touch screens.

    Dragging zooms by default, which traps the finger that wants to scroll the page. A legend below
    the plot runs into tick labels that a phone rotates (plotly takes the larger of the two margins,
    not their sum), so it goes above the plot with the title pinned to the top edge instead.
    """
    layout["dragmode"] = False
    if legend:
        layout["title"] = {**layout["title"], "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 14}}
        layout["legend"] = {"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"}
        layout["margin"] = {**layout["margin"], "t": LEGEND_TOP}
    return layout


# ---- overview analytics ------------------------------------------------------------------------
# Extra colours per theme (kept apart from THEMES so the existing keys stay as they were).
ACCENTS = {
    "light": {"pace": "#6c757d", "muted": "#adb5bd", "box": "#495057",
              "fan": "rgba(214, 51, 132, 0.18)", "forecast": "#d63384",
              "heat": [[0, "#c6d6f7"], [0.5, "#5f8ae3"], [1, "#0b2e83"]]},
    "dark": {"pace": "#adb5bd", "muted": "#6c757d", "box": "#ced4da",
             "fan": "rgba(230, 119, 173, 0.25)", "forecast": "#e685b5",
             "heat": [[0, "#2f4f8f"], [0.5, "#5a87e6"], [1, "#c9dcff"]]},
}
WON_HOVER = "%{x:,}원"
LABEL_CHARS = 14  # merchant names on the axis; the hover shows them whole


def plot_text(value: str | None) -> str:
    """Untrusted text for a figure: plotly renders labels and hovers as HTML-ish markup, so
    `<`, `>` and `&` are escaped and `<img …>` shows up literally instead of becoming an element."""
    return html.escape(value or "", quote=False)


def _short(value: str, limit: int = LABEL_CHARS) -> str:
    # Cut before escaping so an entity is never split in half.
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _accent(theme: str) -> dict:
    return ACCENTS.get(theme, ACCENTS["light"])


def empty_figure(title: str, message: str, theme: str) -> dict:
    """A titled figure with a note instead of traces (the month has no history)."""
    layout = base_layout(title, theme, xaxis={"visible": False}, yaxis={"visible": False})
    layout["annotations"] = [{"text": message, "showarrow": False, "xref": "paper", "yref": "paper",
                              "x": 0.5, "y": 0.5, "font": {"size": 13}}]
    return {"data": [], "layout": layout}


def burnup(
    days: int,
    cumulative: dict[str, list[int]],
    bucket_labels: dict[str, str],
    limit: int | None,
    texts: dict[str, str],
    theme: str,
    fan: dict | None = None,
) -> dict:
    """Running total per bucket (stacked areas, day 0…last day with data) against the month's limit
    and an even pace from 0 to the limit on the last day; with a forecast, its 80% fan and central path
    from today to the month's end (fan: {low, expected, high} in won)."""
    colors, accent = THEMES.get(theme, THEMES["light"]), _accent(theme)
    data: list[dict] = []
    for index, (bucket, values) in enumerate(cumulative.items()):
        x = list(range(len(values)))
        data.append({
            "type": "scatter", "mode": "lines", "name": bucket_labels[bucket], "x": x, "y": values,
            "stackgroup": "spent", "line": {"color": colors["bars"][index % 2], "width": 2},
            "text": [texts["day"].format(day=d) if d else texts["start"] for d in x],
            "hovertemplate": "%{text}<br>%{fullData.name}: %{y:,}원<extra></extra>",
        })
    if limit:
        data.append({
            "type": "scatter", "mode": "lines", "name": texts["limit"], "x": [0, days], "y": [limit, limit],
            "line": {"color": colors["limit"], "width": 2, "dash": "dash"},
            "hovertemplate": texts["limit"] + ": %{y:,}원<extra></extra>",
        })
        data.append({
            "type": "scatter", "mode": "lines", "name": texts["pace"], "x": [0, days], "y": [0, limit],
            "line": {"color": accent["pace"], "width": 1.5, "dash": "dot"},
            "hovertemplate": texts["pace"] + ": %{y:,}원<extra></extra>",
        })
    if fan:
        data.extend(_forecast_fan(days, cumulative, fan, texts, accent))
    ticks = sorted({1, *range(5, days, 5), days})
    xaxis = {"range": [0, days], "tickvals": ticks, "ticktext": [texts["tick"].format(day=d) for d in ticks],
             "gridcolor": colors["grid"], "zeroline": False}
    # Up to six legend entries: above the plot they wrap into the title on a phone. The day ticks never
    # rotate, so the legend stays below (base_layout's place; plotly grows the bottom margin per row).
    return {"data": data, "layout": phone_friendly(base_layout(texts["title"], theme, xaxis=xaxis), legend=False)}


def _forecast_fan(days: int, cumulative: dict[str, list[int]], fan: dict, texts: dict[str, str],
                  accent: dict[str, str]) -> list[dict]:
    """The fan starts where the stacked running total ends (today) and opens to [low, high] at month end."""
    today = max((len(values) for values in cumulative.values()), default=1) - 1
    start = sum(values[-1] for values in cumulative.values() if values)
    x = [today, days]
    edge = {"type": "scatter", "mode": "lines", "x": x, "line": {"width": 0, "color": accent["fan"]},
            "hovertemplate": "%{fullData.name}: %{y:,}원<extra></extra>"}
    return [
        {**edge, "name": texts["fan_low"], "y": [start, fan["low"]], "showlegend": False},
        {**edge, "name": texts["fan"], "y": [start, fan["high"]], "fill": "tonexty", "fillcolor": accent["fan"]},
        {"type": "scatter", "mode": "lines+markers", "name": texts["forecast"], "x": x, "y": [start, fan["expected"]],
         "line": {"color": accent["forecast"], "width": 2, "dash": "dash"}, "marker": {"size": 6},
         "hovertemplate": "%{fullData.name}: %{y:,}원<extra></extra>"},
    ]


def category_bars(
    labels: list[str],
    by_bucket: dict[str, list[int]],
    bucket_labels: dict[str, str],
    texts: dict[str, str],
    theme: str,
) -> dict:
    """Horizontal bars per category (largest on top), stacked by bucket, with the total at the end."""
    colors = THEMES.get(theme, THEMES["light"])
    data: list[dict] = [
        {"type": "bar", "orientation": "h", "name": bucket_labels[bucket], "y": labels, "x": values,
         "marker": {"color": colors["bars"][index % 2]},
         "hovertemplate": "%{y} · %{fullData.name}: " + WON_HOVER + "<extra></extra>"}
        for index, (bucket, values) in enumerate(by_bucket.items())
    ]
    totals = [sum(column) for column in zip(*by_bucket.values(), strict=True)]
    data.append(_total_labels(labels, totals))
    layout = base_layout(texts["title"], theme, barmode="relative",
                         yaxis={"autorange": "reversed", "automargin": True, "gridcolor": colors["grid"]},
                         xaxis=_amount_axis(totals, colors))
    return {"data": data, "layout": phone_friendly(layout)}


def _total_labels(y: list, totals: list[int]) -> dict:
    """Won totals written just past each bar (a text-only trace, out of the legend and hover)."""
    return {"type": "scatter", "mode": "text", "y": y, "x": [max(v, 0) for v in totals],
            "text": [f"{v:,}원" for v in totals], "textposition": "middle right", "cliponaxis": False,
            "showlegend": False, "hoverinfo": "skip", "name": ""}


def _amount_axis(totals: list[int], colors: dict) -> dict:
    # Head room on the right for the total labels.
    top = max([*totals, 1])
    return {"range": [min([*totals, 0]), top * 1.35], "tickformat": ",", "ticksuffix": "원",
            "gridcolor": colors["grid"], "automargin": True, "nticks": 4}


def merchant_bars(merchants: list[dict], texts: dict[str, str], theme: str) -> dict:
    """Top merchants, largest on top, each labelled with its (escaped) name and PG."""
    colors = THEMES.get(theme, THEMES["light"])
    ranks = list(range(len(merchants)))
    names = [m["label"] for m in merchants]
    pgs = [m["pg"] or texts["no_pg"] for m in merchants]
    ticks = [f"{plot_text(_short(n))}<br><span style='font-size:10px'>{plot_text(_short(p))}</span>"
             for n, p in zip(names, pgs, strict=True)]
    amounts = [m["amount"] for m in merchants]
    bars = {
        "type": "bar", "orientation": "h", "name": texts["title"], "y": ranks, "x": amounts,
        "marker": {"color": colors["bars"][0]}, "showlegend": False,
        "customdata": [[plot_text(n), plot_text(p), texts["count"].format(n=m["count"])]
                       for n, p, m in zip(names, pgs, merchants, strict=True)],
        "hovertemplate": "<b>%{customdata[0]}</b><br>%{customdata[1]}<br>"
                         + WON_HOVER + " · %{customdata[2]}<extra></extra>",
    }
    yaxis = {"tickvals": ranks, "ticktext": ticks, "autorange": "reversed", "automargin": True,
             "gridcolor": colors["grid"]}
    layout = base_layout(texts["title"], theme, yaxis=yaxis, xaxis=_amount_axis(amounts, colors),
                         showlegend=False)
    return {"data": [bars, _total_labels(ranks, amounts)], "layout": phone_friendly(layout, legend=False)}


def hour_heatmap(grid: list[list[int]], weekdays: list[str], texts: dict[str, str], theme: str) -> dict:
    """KST weekday × hour; empty cells stay blank and the dawn hours (0–5시) are boxed, so a night
    burst (the femtocell fraud pattern) stands out."""
    accent = _accent(theme)
    hours = list(range(24))
    z = [[value if value > 0 else None for value in row] for row in grid]
    heat = {
        "type": "heatmap", "name": texts["title"], "x": hours, "y": weekdays, "z": z, "xgap": 1, "ygap": 1,
        "colorscale": accent["heat"], "hoverongaps": False, "zmin": 0,
        "text": [[texts["hour"].format(hour=h) for h in hours] for _ in weekdays],
        "hovertemplate": "%{y} %{text}<br>%{z:,}원<extra></extra>",
        "colorbar": {"orientation": "h", "thickness": 8, "len": 0.6, "x": 1, "xanchor": "right",
                     "y": -0.2, "yanchor": "top", "tickformat": ",.0f", "ticksuffix": "원", "nticks": 4,
                     "outlinewidth": 0},
    }
    ticks = list(range(0, 24, 3))
    night = {"type": "rect", "xref": "x", "yref": "paper", "x0": -0.5, "x1": 5.5, "y0": 0, "y1": 1,
             "line": {"color": accent["box"], "width": 1.5, "dash": "dot"}, "fillcolor": "rgba(0,0,0,0)"}
    label = {"text": texts["night"], "xref": "x", "yref": "paper", "x": 2.5, "y": 1, "yanchor": "bottom",
             "showarrow": False, "font": {"size": 11}}
    layout = base_layout(
        texts["title"], theme,
        xaxis={"tickvals": ticks, "ticktext": [texts["hour"].format(hour=h) for h in ticks],
               "showgrid": False, "zeroline": False, "range": [-0.5, 23.5]},
        yaxis={"autorange": "reversed", "showgrid": False, "type": "category"},
        shapes=[night], annotations=[label], margin={"l": 40, "r": 12, "t": 56, "b": 64},
    )
    return {"data": [heat], "layout": phone_friendly(layout, legend=False)}


def comparison_bars(labels: list[str], values: list[int], texts: dict[str, str], theme: str) -> dict:
    """The chosen month's days 1…D next to the same days of the previous month and the average."""
    colors, accent = THEMES.get(theme, THEMES["light"]), _accent(theme)
    bars = {
        "type": "bar", "name": texts["title"], "x": labels, "y": values, "showlegend": False,
        "marker": {"color": [colors["bars"][0]] + [accent["muted"]] * (len(values) - 1)},
        "text": [f"{v:,}원" for v in values], "textposition": "outside", "cliponaxis": False,
        "hovertemplate": "%{x}: %{y:,}원<extra></extra>",
    }
    layout = base_layout(texts["title"], theme, xaxis={"type": "category", "gridcolor": colors["grid"]},
                         yaxis={"gridcolor": colors["grid"], "tickformat": ",", "ticksuffix": "원",
                                "automargin": True, "rangemode": "tozero",
                                "range": [0, max([*values, 1]) * 1.2]})
    return {"data": [bars], "layout": phone_friendly(layout, legend=False)}
