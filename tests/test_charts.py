"""Charts: the bar-chart builder, what is counted, how pages show it, and what it costs."""

import html as html_lib
import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activities import charts
from activities.charts import ActivityCounts, bar_chart, nice_step, text_width, wrap
from activities.models import SDGTarget, State, Structure
from activities.views import SECTIONS

from .factories import (
    CampusInitiativeFactory,
    ProgrammeFactory,
    PublicationFactory,
    ResearchProjectFactory,
    StructureFactory,
    ThesisFactory,
)

pytestmark = pytest.mark.django_db  # the builder's tests need none, the rest all do

THIS_YEAR = timezone.localdate().year


# The builder ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("maximum", "max_ticks", "step"),
    [
        (0, 5, 1),
        (1, 5, 1),
        (3, 5, 1),
        (7, 5, 2),
        (10, 5, 2),
        (12, 5, 5),
        (100, 5, 20),
        (101, 5, 50),
        (7, 1, 10),
        (1_234_567, 5, 500_000),
        (1_234_567, 3, 500_000),
        (1_234_567, 2, 1_000_000),
    ],
)
def test_steps_are_round_and_cover_the_maximum_in_few_ticks(maximum, max_ticks, step):
    assert nice_step(maximum, max_ticks) == step
    assert step * max_ticks >= maximum


def test_ticks_run_from_zero_to_a_round_end_across_the_plot():
    chart = bar_chart([("2022", 7), ("2023", 12)])
    assert [tick.value for tick in chart.ticks] == [0, 5, 10, 15]
    assert chart.axis_maximum == 15
    assert chart.ticks[0].x == chart.plot_left
    assert chart.ticks[-1].x == chart.plot_right
    xs = [tick.x for tick in chart.ticks]
    assert xs == sorted(xs)
    gaps = {round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)}
    assert max(gaps) - min(gaps) <= 0.2  # evenly spaced, to rounding


def test_bar_lengths_are_proportional_to_values():
    chart = bar_chart([("a", 10), ("b", 5), ("c", 0)])
    plot_width = chart.plot_right - chart.plot_left
    a, b, c = chart.bars
    assert a.width == pytest.approx(plot_width, abs=0.1)  # 10 is the end of the scale
    assert b.width == pytest.approx(plot_width / 2, abs=0.1)
    assert c.width == 0
    assert c.value_text == "0"  # a zero is still written
    for bar in chart.bars:
        assert bar.x == chart.plot_left
        assert bar.value_x > bar.x + bar.width


def test_no_items_gives_an_empty_chart():
    chart = bar_chart([])
    assert chart.is_empty
    assert chart.bars == ()
    assert [tick.value for tick in chart.ticks] == [0, 1]
    assert chart.height > 0


def test_only_zeros_is_empty_too():
    chart = bar_chart([("a", 0), ("b", 0)])
    assert chart.is_empty
    assert len(chart.bars) == 2


def test_one_bar_fills_the_scale():
    chart = bar_chart([("Publications", 1)])
    (bar,) = chart.bars
    assert not chart.is_empty
    assert chart.axis_maximum == 1
    assert bar.width == pytest.approx(chart.plot_right - chart.plot_left, abs=0.1)
    assert chart.height > bar.y + bar.height


def test_very_large_counts_are_grouped_and_fit_with_a_visible_small_bar():
    chart = bar_chart([("beaucoup", 1_234_567), ("un", 1)])
    big, small = chart.bars
    assert big.value_text == "1\xa0234\xa0567"  # French grouping
    assert big.value_x + text_width(big.value_text) <= chart.width
    assert small.width == charts.MIN_BAR  # 1 in 1.5 million: still drawn
    assert len(chart.ticks) <= charts.MAX_TICKS + 1
    assert chart.ticks[-1].value >= 1_234_567
    # tick labels do not overlap each other
    for left, right in zip(chart.ticks, chart.ticks[1:], strict=False):
        half = (text_width(left.text, 12) + text_width(right.text, 12)) / 2
        assert right.x - left.x > half


def test_short_labels_go_beside_the_bars_and_long_ones_above():
    years = bar_chart([("2022", 1), ("2023", 2)])
    assert years.label_anchor == "end"
    for bar in years.bars:
        (line,) = bar.lines
        assert line.x < bar.x
        assert bar.y < line.y < bar.y + bar.height + 4  # on the bar's row

    kinds = bar_chart([("Projets de recherche", 3), ("Vie sur le campus", 2)])
    assert kinds.label_anchor == "start"
    for bar in kinds.bars:
        assert all(line.y <= bar.y for line in bar.lines)  # above its bar


def test_long_labels_are_wrapped_on_two_lines_at_most_and_cut():
    label = " ".join(["Maladies non transmissibles"] * 12)
    chart = bar_chart([(label, 4), ("court", 1)])
    long, short = chart.bars
    assert long.label == label  # the table shows it in full
    assert len(long.lines) == 2
    assert long.lines[1].text.endswith("…")
    for line in long.lines:
        assert line.x + text_width(line.text) <= chart.width
    assert short.y >= long.y + long.height  # rows do not overlap
    assert short.lines[0].y > long.y + long.height


def test_a_single_word_wider_than_the_chart_is_cut():
    (line,) = wrap("x" * 200, 100)
    assert line.endswith("…")
    assert text_width(line) <= 100


def test_rows_stay_inside_the_picture():
    items = [(f"Étiquette numéro {n} assez longue pour passer à la ligne", n) for n in range(13)]
    chart = bar_chart(items)
    for bar in chart.bars:
        assert bar.x >= 0 and bar.x + bar.width <= chart.plot_right <= chart.width
        assert bar.y + bar.height <= chart.plot_bottom < chart.tick_y < chart.height
    ys = [bar.y for bar in chart.bars]
    assert ys == sorted(ys)


def test_labels_are_escaped_in_the_markup():
    hostile = '<script>alert("x")</script>'
    chart = bar_chart([(hostile, 3)])
    figure = charts.Figure(
        key="chart-test",
        title=hostile,
        note="",
        chart=chart,
        table=charts.Table("Cible", ("Activités",), (charts.Row(hostile, (charts.Cell("3"),)),)),
        empty_text="",
    )
    html = render_to_string("includes/chart.html", {"figure": figure})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


# What is counted -----------------------------------------------------------------------------


def scopes(filter_=lambda queryset: queryset):
    return [(section, filter_(section.published())) for section in SECTIONS]


@pytest.fixture
def lab():
    lab = StructureFactory(acronym="LAB", slug="lab")
    StructureFactory(acronym="TEAM", slug="team", parent=lab, kind=Structure.Kind.TEAM)
    return lab


def target(code):
    return SDGTarget.objects.get(code=code)


def test_counts_per_year_kind_and_target_never_include_drafts(lab):
    t34, t39 = target("3.4"), target("3.9")
    ProgrammeFactory(start_year=2021, end_year=2023, targets=[t34])
    ProgrammeFactory(start_year=2021, end_year=2023, targets=[t34], state=State.DRAFT)
    ResearchProjectFactory(start_year=2024, end_year=None, targets=[t34, t39])  # running
    ResearchProjectFactory(start_year=2024, state=State.SUBMITTED, targets=[t39])
    ThesisFactory(start_year=2022, end_year=2022)
    PublicationFactory(year=2022, targets=[t39])
    PublicationFactory(year=2022, state=State.UNPUBLISHED, targets=[t39])
    CampusInitiativeFactory(start_year=2030)  # planned: no year drawn yet

    counts = ActivityCounts(scopes(), this_year=2026)

    assert counts.per_kind == {
        "programmes": 1,
        "projects": 1,
        "theses": 1,
        "publications": 1,
        "campus": 1,
    }
    per_year = {year: dict(kinds) for year, kinds in counts.per_year.items()}
    assert per_year == {
        2021: {"programmes": 1},
        2022: {"programmes": 1, "theses": 1, "publications": 1},
        2023: {"programmes": 1},
        2024: {"projects": 1},  # runs every year up to this one
        2025: {"projects": 1},
        2026: {"projects": 1},
    }
    per_target = {t.code: n for t, n in counts.per_target}
    assert len(per_target) == 13
    assert per_target["3.4"] == 2  # the programme and the project
    assert per_target["3.9"] == 2  # the project and the publication
    assert sum(per_target.values()) == 4


def test_a_structure_counts_its_teams_activities_once(lab):
    team = Structure.objects.get(slug="team")
    elsewhere = StructureFactory()
    ResearchProjectFactory(structures=[lab])
    ResearchProjectFactory(structures=[team])
    ResearchProjectFactory(structures=[lab, team])  # counted once
    ResearchProjectFactory(structures=[elsewhere])
    ResearchProjectFactory(structures=[team], state=State.DRAFT)

    ids = lab.descendant_ids()
    counts = ActivityCounts(scopes(lambda qs: qs.for_structures(ids)), this_year=2026)
    assert counts.per_kind["projects"] == 3
    assert counts.total == 3


def test_the_year_chart_shows_the_recent_years_and_says_so():
    ProgrammeFactory(start_year=2000, end_year=None)
    figure = charts.year_figure(ActivityCounts(scopes(), this_year=2026))
    assert [bar.label for bar in figure.chart.bars] == [str(y) for y in range(2015, 2027)]
    assert figure.title == "Activités par année, de 2015 à 2026"
    assert "antérieures à 2015" in figure.note


def test_years_without_activity_between_two_years_show_as_zero():
    PublicationFactory(year=2019)
    PublicationFactory(year=2022)
    figure = charts.year_figure(ActivityCounts(scopes(), this_year=2026))
    assert [(bar.label, bar.value) for bar in figure.chart.bars] == [
        ("2019", 1),
        ("2020", 0),
        ("2021", 0),
        ("2022", 1),
    ]
    row_2022 = figure.table.rows[-1]
    assert row_2022.label == "2022"
    # Formations, Projets, Thèses, Publications, Campus, Total
    assert [cell.text for cell in row_2022.cells] == ["0", "0", "0", "1", "0", "1"]
    assert [cell.url for cell in row_2022.cells] == [
        "",
        "",
        "",
        "/fr/publications/?year=2022",
        "",
        "",
    ]


def test_nothing_published_gives_no_chart():
    ProgrammeFactory(state=State.DRAFT)
    assert charts.activity_figures(ActivityCounts(scopes())) == []


def test_a_target_page_charts_the_other_targets_its_activities_share():
    t34, t39, t31 = target("3.4"), target("3.9"), target("3.1")
    ResearchProjectFactory(targets=[t34, t39])
    PublicationFactory(targets=[t34, t39])
    ThesisFactory(targets=[t34])
    PublicationFactory(targets=[t31])  # not tagged 3.4

    counts = ActivityCounts(scopes(lambda qs: qs.for_target(t34)))
    figure = charts.other_targets_figure(counts, t34)
    assert [(bar.label, bar.value) for bar in figure.chart.bars] == [
        ("3.9 Pollution et substances dangereuses", 2)
    ]
    assert figure.table.rows[0].url == "/fr/cibles/3.9/"


def test_counting_costs_a_fixed_number_of_queries(django_assert_num_queries):
    def count():
        counts = ActivityCounts(scopes())
        with django_assert_num_queries(5):  # one GROUP BY per kind: years and kinds
            assert counts.per_year is not None
            assert counts.per_kind is not None
        with django_assert_num_queries(1):  # the 13 targets with a COUNT per kind each
            per_target = counts.per_target
        return counts.total, sum(n for _t, n in per_target)

    targets = list(SDGTarget.objects.all())
    assert count() == (0, 0)
    for n in range(30):
        tags = targets[n % 13 : n % 13 + 2]
        ProgrammeFactory(start_year=2000 + n % 20, end_year=None, targets=tags)
        ResearchProjectFactory(start_year=2010 + n % 10, end_year=2020, targets=tags)
        ThesisFactory(start_year=2015 + n % 5, targets=tags)
        PublicationFactory(year=2000 + n, targets=tags)
        CampusInitiativeFactory(start_year=2020, targets=tags)
    # each activity carries two targets, but those made with the last one (n = 12, 25) one
    assert count() == (150, 30 * 5 * 2 - 2 * 5)


# The pages --------------------------------------------------------------------------------


@pytest.fixture
def world(lab):
    """A published activity of every kind in the lab's team, tagged 3.4 (and one 3.9)."""
    team = Structure.objects.get(slug="team")
    t34, t39 = target("3.4"), target("3.9")
    make_all(team, [t34])
    ResearchProjectFactory(structures=[team], targets=[t34, t39], start_year=THIS_YEAR - 2)
    ResearchProjectFactory(structures=[team], targets=[t34], state=State.DRAFT)
    return {"lab": lab, "team": team, "target": t34}


def make_all(structure, targets, year=THIS_YEAR):
    for factory in (ProgrammeFactory, ResearchProjectFactory, ThesisFactory):
        factory(structures=[structure], targets=targets, start_year=year)
    PublicationFactory(structures=[structure], targets=targets, year=year)
    CampusInitiativeFactory(structures=[structure], targets=targets, start_year=year)


def text(response):
    """A page's visible text, whitespace collapsed."""
    html = re.sub(r"<[^>]+>", " ", response.content.decode())
    return html_lib.unescape(re.sub(r"\s+", " ", html))


def figures(html):
    return re.findall(r'<figure class="chart" id="([^"]+)"', html)


def table_rows(html, key):
    """{row header text: [cell texts]} of a chart's data table."""
    start = html.index(f'id="{key}"')
    table = html[start : html.index("</table>", start)]
    rows = {}
    for header, cells in re.findall(r'<th scope="row">(.*?)</th>(.*?)</tr>', table, re.S):
        label = re.sub(r"<[^>]+>", "", header)
        rows[label] = [
            re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<td>(.*?)</td>", cells)
        ]
    return rows


def assert_accessible_figures(html, keys):
    assert figures(html) == keys
    for key in keys:
        start = html.index(f'id="{key}"')
        figure = html[start : html.index("</figure>", start)]
        # named by its title; the caption's note is read as content, not repeated
        assert figure.startswith(f'id="{key}" aria-labelledby="{key}-title">')
        assert re.search(rf'<figcaption>\s*<h3 class="chart-title" id="{key}-title">', figure)
        svg = re.search(r"<svg [^>]*>", figure).group(0)
        assert 'role="img"' in svg
        assert f'aria-labelledby="{key}-summary"' in svg
        assert 'viewBox="0 0 360 ' in svg
        assert re.search(rf'<title id="{key}-summary">[^<]+</title>', figure)
        assert '<g aria-hidden="true">' in figure  # the drawing's text is not read twice
        assert "<details" in figure and "<summary>" in figure
        assert f'<caption id="{key}-caption">' in figure
        assert '<th scope="col">' in figure and '<th scope="row">' in figure
        # coordinates are never written with a French decimal comma
        for attribute in re.findall(r' (?:x|y|x1|x2|y1|y2|width|height)="([^"]*)"', figure):
            assert re.fullmatch(r"-?\d+(\.\d+)?", attribute), attribute


def test_home_shows_the_three_charts_with_their_data(client, world):
    html = client.get("/fr/").content.decode()
    assert_accessible_figures(html, ["chart-years", "chart-kinds", "chart-targets"])
    assert (
        '<title id="chart-kinds-summary">Diagramme en barres de 5 valeurs ; la plus élevée : '
        "Projets de recherche, 2 activités. Le détail est dans le tableau « Voir les données » "
        "qui suit.</title>"
    ) in html
    assert "<summary>Voir les données" in html
    assert table_rows(html, "chart-kinds")["Projets de recherche"] == ["2"]  # not the draft
    assert 'href="/fr/projets/">Projets de recherche</a>' in html
    targets = table_rows(html, "chart-targets")
    assert len(targets) == 13
    assert targets["3.4 Maladies non transmissibles et santé mentale"] == ["6"]
    assert targets["3.1 Mortalité maternelle"] == ["0"]
    assert 'href="/fr/cibles/3.4/">3.4 Maladies' in html
    years = table_rows(html, "chart-years")
    assert list(years) == [str(y) for y in range(THIS_YEAR - 2, THIS_YEAR + 1)]
    # Formations, Projets, Thèses, Publications, Campus, Total
    assert years[str(THIS_YEAR)] == ["1", "2", "1", "1", "1", "6"]
    assert years[str(THIS_YEAR - 2)] == ["0", "1", "0", "0", "0", "1"]


def test_home_figures_agree_with_the_charts(client, world):
    html = client.get("/fr/").content.decode()
    assert re.search(
        r'<strong class="figure-value">2</strong> <span class="entry-title">Projets', html
    )


def test_a_structure_page_charts_its_teams_activities(client, world):
    html = client.get("/fr/structures/lab/").content.decode()
    assert_accessible_figures(html, ["chart-years", "chart-kinds", "chart-targets"])
    assert table_rows(html, "chart-kinds")["Thèses"] == ["1"]
    assert 'href="/fr/theses/?structure=lab">Thèses</a>' in html
    # only the targets its activities serve
    assert list(table_rows(html, "chart-targets")) == [
        "3.4 Maladies non transmissibles et santé mentale",
        "3.9 Pollution et substances dangereuses",
    ]


def linked_counts(html, key):
    """(link, count) for every count of a chart's table that links to a list, and for
    every row whose header links to one (the count is then its first cell)."""
    start = html.index(f'id="{key}"')
    table = html[start : html.index("</table>", start)]
    found = re.findall(r'<td><a href="([^"]+)">([\d\s]+)</a></td>', table)
    for url, count in re.findall(
        r'<th scope="row"><a href="([^"]+)">.*?</th><td>(\d+)</td>', table
    ):
        found.append((url, count))
    return [(html_lib.unescape(url), int(count)) for url, count in found]


def test_every_linked_count_leads_to_a_list_with_as_many_results(client, world):
    ProgrammeFactory(structures=[world["team"]], start_year=THIS_YEAR - 3, end_year=THIS_YEAR - 1)
    PublicationFactory(structures=[world["lab"]], year=THIS_YEAR - 1)
    for url in ("/fr/structures/lab/", "/fr/cibles/3.4/"):
        html = client.get(url).content.decode()
        links = linked_counts(html, "chart-years") + linked_counts(html, "chart-kinds")
        assert len(links) > 8
        for link, count in links:
            listing = text(client.get(link))
            assert re.search(rf"\b{count} résultats?\b", listing), (url, link, count)


def test_a_structure_without_published_activity_shows_no_chart(client, world):
    StructureFactory(slug="vide")
    html = client.get("/fr/structures/vide/").content.decode()
    assert figures(html) == []
    assert "En graphiques" not in html


def test_a_target_page_charts_its_activities_and_the_targets_they_share(client, world):
    html = client.get("/fr/cibles/3.4/").content.decode()
    assert_accessible_figures(html, ["chart-years", "chart-kinds", "chart-targets"])
    assert "Autres cibles de ces activités" in html
    assert table_rows(html, "chart-targets") == {"3.9 Pollution et substances dangereuses": ["1"]}
    assert 'href="/fr/publications/?target=3.4">Publications</a>' in html


def test_a_target_label_with_markup_is_escaped(client, world):
    SDGTarget.objects.filter(code="3.9").update(short_title_fr='<script>alert("x")</script>')
    for url in ("/fr/", "/fr/cibles/3.4/", "/fr/structures/lab/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "3.9 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_english_pages_show_the_charts_too(client, world):
    html = client.get("/en/").content.decode()
    assert_accessible_figures(html, ["chart-years", "chart-kinds", "chart-targets"])


# What the pages cost ---------------------------------------------------------------------


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


# Queries per page for an anonymous visitor, with published activities of every kind.
# The charts add 6 queries (5 on the home page, which drops its 5 COUNTs): one GROUP BY
# per kind (start and end years, or a publication's year, with a COUNT: the year chart,
# the kind chart and the home page's figures all come from these), and the 13 targets
# with a correlated COUNT per kind (the target chart).
#   home (11; 10 before the charts): the 5 GROUP BY; the chart's targets; the 3 latest
#     projects and their structures, targets and partnerships (4); the targets grid.
#   structure (28; 22 before): the structure with its parent; its children; its
#     partners; the structure tree (descendant_ids); the 5 GROUP BY; the chart's targets;
#     then each kind's activities and the relations its cards show: programmes 3,
#     projects 4, theses 4, publications 4, campus initiatives 3.
#   target (25; 19 before): the target; the 5 GROUP BY; the chart's targets; the same
#     18 queries for the activities and their cards.
PAGE_QUERIES = {"home": 11, "structure": 28, "target": 25}


@pytest.mark.parametrize("page", PAGE_QUERIES)
def test_pages_with_charts_cost_the_same_whatever_the_number_of_activities(client, world, page):
    url = {"home": "/fr/", "structure": "/fr/structures/lab/", "target": "/fr/cibles/3.4/"}[page]
    few = count_queries(client, url)
    team, targets = world["team"], list(SDGTarget.objects.all())
    for n in range(12):
        make_all(team, [targets[n], world["target"]], year=THIS_YEAR - n)
    many = count_queries(client, url)
    assert few == many == PAGE_QUERIES[page]
