"""Bar charts drawn on the server as SVG: no JavaScript, no chart library, nothing fetched.

Two halves:

- ``bar_chart`` is a small, general builder: a value scale with round ticks, one row per
  item, its label beside or above the bar, the value written at the end of the bar. It
  knows nothing of activities; ``templates/includes/chart.html`` turns its result into
  markup inline in the page (so the words are translated and site.css styles them).
- ``ActivityCounts`` and the ``*_figure`` functions count a set of published activities
  per year, per kind and per SDG 3 target in a fixed number of GROUP BY queries, whatever
  the number of activities, and wrap each chart with its caption and data table.

Bars are horizontal: kind names and target titles stay readable at any width, and on a
phone twelve years make twelve rows instead of twelve squeezed columns.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import SDGTarget
from .models.base import Period, years_running

# Geometry, in SVG user units. The viewBox is about as wide as the chart is drawn on a
# phone (390 px screen) and in one of three columns on a desktop, so that text is shown
# near its nominal size; site.css caps the width in between.
WIDTH = 360
FONT_SIZE = 14
TICK_FONT_SIZE = 12
LINE_HEIGHT = 17
BAR_HEIGHT = 14
ROW_GAP = 8
MARGIN = 6
GAP = 5  # between a label and its bar, a bar and its value
MIN_BAR = 2  # a bar for any value above zero stays visible
MAX_TICKS = 5
MAX_LABEL_LINES = 2
LEFT_LABEL_SHARE = 0.3  # labels go beside the bars when they take at most this share

# Rough advance widths, in ems, of a sans-serif font (the site uses system fonts, which
# the server cannot measure): wide enough that an estimated line never overflows.
_NARROW = set("iljtfrI.,:;'’!|()[] \u00a0\u202f")
_WIDE = set("mwMW@%—…")


def text_width(text, size=FONT_SIZE):
    """The estimated width of a line of text, erring on the wide side."""
    ems = 0.0
    for char in text:
        if char in _NARROW:
            ems += 0.32
        elif char in _WIDE:
            ems += 0.9
        elif char.isupper():
            ems += 0.68
        elif char.isdigit():
            ems += 0.57
        else:
            ems += 0.56
    return ems * size


def format_number(value):
    """A count written the current language's way: 1 234 567 in French, 1,234,567 in English."""
    return formats.number_format(value, force_grouping=True)


def nice_step(maximum, max_ticks=MAX_TICKS):
    """The smallest step of 1, 2 or 5 × 10ⁿ (at least 1: counts are whole) that covers
    0…maximum in at most ``max_ticks`` steps."""
    if maximum <= 0:
        return 1
    raw = maximum / max(1, max_ticks)
    magnitude = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        step = multiple * magnitude
        if step >= raw:
            break
    return max(1, round(step))


def fit(text, max_width, size=FONT_SIZE):
    """The text, cut and ended with an ellipsis if it is wider than max_width."""
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text.rstrip() + "…", size) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def wrap(text, max_width, max_lines=MAX_LABEL_LINES, size=FONT_SIZE):
    """The text broken into lines at spaces; what does not fit in max_lines ends in "…"."""
    lines, current = [], ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and text_width(candidate, size) > max_width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        # The last line kept, followed by the rest, is too wide: fit() cuts it with "…".
        rest = " ".join(lines[max_lines:])
        lines = [*lines[: max_lines - 1], fit(f"{lines[max_lines - 1]} {rest}", max_width, size)]
    return [fit(line, max_width, size) for line in lines]


@dataclass(frozen=True)
class Line:
    text: str
    x: float
    y: float  # baseline


@dataclass(frozen=True)
class Bar:
    label: str  # in full; the drawn lines may be cut
    value: int
    value_text: str
    lines: tuple  # of Line
    x: float
    y: float
    width: float
    height: float
    value_x: float
    value_y: float


@dataclass(frozen=True)
class Tick:
    value: int
    text: str
    x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: float
    bars: tuple
    ticks: tuple
    maximum: int  # the largest value
    axis_maximum: int  # the value at the end of the scale
    label_anchor: str  # "end" (labels beside the bars) or "start" (above them)
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    tick_y: float
    font_size: int = FONT_SIZE
    tick_font_size: int = TICK_FONT_SIZE

    @property
    def is_empty(self):
        """Nothing to draw: no items, or only zeros."""
        return self.maximum <= 0

    @property
    def view_box(self):
        return f"0 0 {self.width} {_round(self.height)}"


def _round(number):
    number = round(number, 1)
    return int(number) if number == int(number) else number


def bar_chart(items, *, width=WIDTH, label_position="auto", format_value=format_number):
    """The geometry of a horizontal bar chart of (label, value) items, in their order.

    Values are counts (whole, not negative). ``label_position``: "left" puts labels in a
    column beside the bars, "above" puts each label on its own line(s) above its bar,
    "auto" chooses "left" when every label is short (years, codes).
    """
    items = [(str(label), max(0, int(value))) for label, value in items]
    maximum = max((value for _label, value in items), default=0)

    widest_label = max((text_width(label) for label, _value in items), default=0)
    if label_position == "auto":
        label_position = "left" if widest_label <= LEFT_LABEL_SHARE * width else "above"
    if label_position == "left":
        label_column = min(widest_label, LEFT_LABEL_SHARE * width)
        plot_left = MARGIN + label_column + GAP
    else:
        plot_left = MARGIN + text_width("0", TICK_FONT_SIZE) / 2

    # Room on the right for the longest value after its bar and half the last tick label
    # (one digit wider than the maximum at most: 999 → 1 000).
    value_width = text_width(format_value(maximum))
    tick_width = text_width(format_value(maximum) + "0", TICK_FONT_SIZE)
    plot_right = width - MARGIN - max(GAP + value_width, tick_width / 2)
    plot_width = max(1.0, plot_right - plot_left)

    max_ticks = max(1, min(MAX_TICKS, int(plot_width // (tick_width + 12))))
    step = nice_step(maximum, max_ticks)
    axis_maximum = step * max(1, math.ceil(maximum / step))

    def x_of(value):
        return plot_left + value / axis_maximum * plot_width

    bars, top = [], MARGIN
    for label, value in items:
        if label_position == "left":
            row = max(LINE_HEIGHT, BAR_HEIGHT)
            bar_y = top + (row - BAR_HEIGHT) / 2
            baseline = bar_y + BAR_HEIGHT / 2 + FONT_SIZE * 0.35
            texts = [fit(label, label_column)] if label else []
            lines = tuple(Line(text, _round(plot_left - GAP), _round(baseline)) for text in texts)
        else:  # from just right of the axis line, as the bars
            texts = wrap(label, width - MARGIN - plot_left - GAP)
            lines = tuple(
                Line(text, _round(plot_left + GAP), _round(top + (n + 1) * LINE_HEIGHT - 4))
                for n, text in enumerate(texts)
            )
            bar_y = top + len(texts) * LINE_HEIGHT + 1
            row = bar_y + BAR_HEIGHT - top
            baseline = bar_y + BAR_HEIGHT / 2 + FONT_SIZE * 0.35
        bar_width = x_of(value) - plot_left
        if value > 0:
            bar_width = max(MIN_BAR, bar_width)
        bars.append(
            Bar(
                label=label,
                value=value,
                value_text=format_value(value),
                lines=lines,
                x=_round(plot_left),
                y=_round(bar_y),
                width=_round(bar_width),
                height=BAR_HEIGHT,
                value_x=_round(plot_left + bar_width + GAP),
                value_y=_round(baseline),
            )
        )
        top += row + ROW_GAP

    plot_bottom = top - ROW_GAP / 2 if items else top
    tick_y = plot_bottom + TICK_FONT_SIZE + 3
    ticks = tuple(
        Tick(value, format_value(value), _round(x_of(value)))
        for value in range(0, axis_maximum + 1, step)
    )
    return BarChart(
        width=width,
        height=_round(tick_y + MARGIN),
        bars=tuple(bars),
        ticks=ticks,
        maximum=maximum,
        axis_maximum=axis_maximum,
        label_anchor="end" if label_position == "left" else "start",
        plot_left=_round(plot_left),
        plot_right=_round(plot_right),
        plot_top=MARGIN - 2,
        plot_bottom=_round(plot_bottom),
        tick_y=_round(tick_y),
    )


# Figures: a chart with its caption and data table ----------------------------------------


@dataclass(frozen=True)
class Cell:
    text: str  # a formatted number
    url: str = ""  # the list of what it counts, if there is one


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple  # of Cell, one per column
    url: str = ""  # the page of what the row header names


@dataclass(frozen=True)
class Table:
    row_header: str  # the first column's header ("Année", "Type"…)
    columns: tuple  # headers of the value columns
    rows: tuple


@dataclass(frozen=True)
class Figure:
    """A chart as a page shows it: a figure, its caption, its picture and its data table."""

    key: str  # unique in the page: the prefix of the ids of its elements
    title: str
    note: str
    chart: BarChart
    table: Table
    empty_text: str
    summary: str = field(init=False)

    def __post_init__(self):
        object.__setattr__(self, "summary", _summary(self.chart))


def _summary(chart):
    """The picture's accessible name: what it is and what stands out. The values are in
    the data table, which follows it."""
    if chart.is_empty:
        return _("Diagramme en barres sans aucune valeur.")
    count = len(chart.bars)
    highest = [bar.label for bar in chart.bars if bar.value == chart.maximum]
    text = ngettext(
        "Diagramme en barres de %(count)s valeur",
        "Diagramme en barres de %(count)s valeurs",
        count,
    ) % {"count": count}
    values = ngettext("%(value)s activité", "%(value)s activités", chart.maximum) % {
        "value": format_number(chart.maximum)
    }
    labels = ", ".join(highest[:3]) + (" …" if len(highest) > 3 else "")
    highest_text = ngettext(
        "la plus élevée : %(labels)s, %(values)s.",
        "les plus élevées : %(labels)s, %(values)s chacune.",
        len(highest),
    ) % {"labels": labels, "values": values}
    # The separator differs between languages (French puts a space before the semicolon).
    text = _("%(chart)s ; %(highest)s") % {"chart": text, "highest": highest_text}
    return text + " " + _("Le détail est dans le tableau « Voir les données » qui suit.")


class ActivityCounts:
    """Counts of a set of published activities, from a few GROUP BY queries.

    ``scopes``: [(section, queryset of its published activities in scope)] in site order
    (a section has ``key``, ``title``, ``list_url`` and ``model``, see views.SECTIONS).
    Five queries (one per kind) give the counts per year and per kind; one more gives the
    counts per SDG 3 target. None grows with the number of activities.
    """

    # The year chart shows at most this many years, the most recent ones.
    MAX_YEARS = 12

    def __init__(self, scopes, *, this_year=None):
        self.scopes = list(scopes)
        self.this_year = this_year or timezone.localdate().year

    @cached_property
    def spans(self):
        """{section key: [(first year, last year or None, number of activities)]}."""
        spans = {}
        for section, queryset in self.scopes:
            queryset = queryset.order_by()
            if issubclass(section.model, Period):
                rows = queryset.values_list("start_year", "end_year").annotate(n=Count("pk"))
                spans[section.key] = list(rows)
            else:  # publications: their year
                rows = queryset.values_list("year").annotate(n=Count("pk"))
                spans[section.key] = [(year, year, n) for year, n in rows]
        return spans

    @cached_property
    def per_kind(self):
        """{section key: number of activities}."""
        return {key: sum(n for _s, _e, n in rows) for key, rows in self.spans.items()}

    @property
    def total(self):
        return sum(self.per_kind.values())

    @cached_property
    def per_year(self):
        """{year: {section key: number}}: an activity counts in every year it ran, up to
        this year (an empty end year: still running); a publication in its year."""
        years = defaultdict(lambda: defaultdict(int))
        for key, rows in self.spans.items():
            for start, end, n in rows:
                for year in years_running(start, end, self.this_year):
                    if year <= self.this_year:  # no bar for a year not begun
                        years[year][key] += n
        return years

    @cached_property
    def per_target(self):
        """[(target, number of activities tagged with it)] for the 13 targets, in order
        (one query: a correlated COUNT per kind, no join across kinds)."""
        total = Value(0)
        for section, queryset in self.scopes:
            relation = section.model._meta.get_field("targets")
            through = relation.remote_field.through
            tagged = (
                through.objects.filter(
                    **{
                        relation.m2m_reverse_field_name(): OuterRef("pk"),
                        f"{relation.m2m_field_name()}__in": queryset.order_by().values("pk"),
                    }
                )
                .order_by()
                .values(relation.m2m_reverse_field_name())
                .annotate(n=Count("pk"))
                .values("n")
            )
            total = total + Coalesce(Subquery(tagged, output_field=IntegerField()), 0)
        targets = SDGTarget.objects.annotate(chart_count=total).order_by("order")
        return [(target, target.chart_count) for target in targets]


def _list_url(section, params):
    url = reverse(section.list_url)
    return f"{url}?{urlencode(params)}" if params else url


def _target_label(target):
    return f"{target.code} {target.short_title}"


def year_figure(counts, *, list_params=None):
    """Activities per year, oldest first, over the years that have some (at most
    ActivityCounts.MAX_YEARS, the most recent). In the table, each kind's count links to
    its list filtered by that year (and ``list_params``): the lists' year filter counts
    an activity in every year it runs, as this chart does."""
    per_year = counts.per_year
    note = _(
        "Une formation, un projet, une thèse ou une initiative compte pour chaque année où "
        "elle s'est déroulée, jusqu'à cette année ; une publication, pour son année de "
        "parution."
    )
    if per_year:
        last = max(per_year)
        first = max(min(per_year), last - counts.MAX_YEARS + 1)
        years = range(first, last + 1)
        if min(per_year) < first:
            note += " " + _("Les années antérieures à %(year)s ne sont pas représentées.") % {
                "year": first
            }
        if first == last:
            title = _("Activités en %(year)s") % {"year": first}
        else:
            title = _("Activités par année, de %(first)s à %(last)s") % {
                "first": first,
                "last": last,
            }
    else:
        years, title = [], _("Activités par année")
    rows, items = [], []
    for year in years:
        cells = []
        for section, _queryset in counts.scopes:
            n = per_year.get(year, {}).get(section.key, 0)
            url = _list_url(section, {**(list_params or {}), "year": year}) if n else ""
            cells.append(Cell(format_number(n), url))
        total = sum(per_year.get(year, {}).values())
        rows.append(Row(str(year), (*cells, Cell(format_number(total)))))
        items.append((str(year), total))
    return Figure(
        key="chart-years",
        title=title,
        note=note,
        chart=bar_chart(items),
        table=Table(
            _("Année"),
            (*(section.title for section, _queryset in counts.scopes), _("Total")),
            tuple(rows),
        ),
        empty_text=_("Aucune activité à représenter jusqu'à l'année en cours."),
    )


def kind_figure(counts, *, list_params=None):
    """Activities per kind, in site order; each row of the table links to its list,
    filtered by ``list_params`` (e.g. {"structure": "ceris"})."""
    items, rows = [], []
    for section, _queryset in counts.scopes:
        n = counts.per_kind[section.key]
        items.append((section.title, n))
        url = _list_url(section, list_params or {})
        rows.append(Row(section.title, (Cell(format_number(n)),), url))
    return Figure(
        key="chart-kinds",
        title=_("Activités par type"),
        note=_("Nombre d'activités publiées de chaque type."),
        chart=bar_chart(items),
        table=Table(_("Type d'activité"), (_("Activités"),), tuple(rows)),
        empty_text=_("Aucune activité publiée."),
    )


def target_figure(counts, *, every_target=True):
    """Activities per SDG 3 target, in order: the 13 targets, or only those with some."""
    per_target = counts.per_target
    note = _("Une activité rattachée à plusieurs cibles compte pour chacune d'elles.")
    if not every_target:
        per_target = [(target, n) for target, n in per_target if n]
        note += " " + _(
            "Les cibles auxquelles aucune de ces activités n'est rattachée sont omises."
        )
    return Figure(
        key="chart-targets",
        title=_("Activités par cible de l'ODD 3"),
        note=note,
        chart=bar_chart([(_target_label(target), n) for target, n in per_target]),
        table=_target_table(per_target),
        empty_text=_("Aucune activité n'est rattachée à une cible."),
    )


def other_targets_figure(counts, target):
    """On a target's page: how many of its activities each other target also tags (the
    targets that share none are left out)."""
    shared = [(other, n) for other, n in counts.per_target if other.pk != target.pk and n]
    return Figure(
        key="chart-targets",
        title=_("Autres cibles de ces activités"),
        note=_(
            "Parmi les activités rattachées à la cible %(code)s, nombre de celles qui le sont "
            "aussi à chacune des autres cibles."
        )
        % {"code": target.code},
        chart=bar_chart([(_target_label(other), n) for other, n in shared]),
        table=_target_table(shared),
        empty_text=_("Aucune de ces activités n'est rattachée à une autre cible."),
    )


def _target_table(per_target):
    rows = tuple(
        Row(_target_label(target), (Cell(format_number(n)),), target.get_absolute_url())
        for target, n in per_target
    )
    return Table(_("Cible"), (_("Activités"),), rows)


def activity_figures(counts, *, list_params=None, every_target=True, target=None):
    """The three charts of a page, or none when it has no published activity: per year,
    per kind (their tables link to the lists filtered by ``list_params``, e.g.
    {"structure": "ceris"}) and per target (all 13,
    or only those with activities; on a target's own page, ``target``: the other targets
    its activities share)."""
    if not counts.total:
        return []
    if target is None:
        by_target = target_figure(counts, every_target=every_target)
    else:
        by_target = other_targets_figure(counts, target)
    return [
        year_figure(counts, list_params=list_params),
        kind_figure(counts, list_params=list_params),
        by_target,
    ]
