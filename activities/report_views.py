"""The public pages of the yearly ODD 3 report: the index of years and a year's report.

Which years answer:
- a year with published data, or a published edition: its report (200);
- a plausible year (from 1900 to the current year) with neither: a page that says so and
  links to the years that have a report, with the status 404, so that crawlers do not
  index an empty report as a page (a "soft 404") while a visitor still reads why;
- any other year (a year not begun, 1066, 99999): the site's 404 page.

An edition that is not published yet is not shown to the public; the editorial team (staff
who may view editions) sees its texts in the page, marked as a preview, never cached nor
indexed.
"""

from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from . import reports


def can_preview_editions(user) -> bool:
    return user.is_active and user.is_staff and user.has_perm("activities.view_reportedition")


@require_safe
def report_list(request):
    return render(
        request,
        "reports/report_list.html",
        {"years": reports.report_years(), "report_nav": True},
    )


@require_safe
def report_detail(request, year):
    if not reports.is_report_year(year):
        raise Http404
    preview = can_preview_editions(request.user)
    report = reports.build_report(year, include_draft_edition=preview)
    context = {"report": report, "report_nav": True}
    if not report.exists:
        context["years"] = [entry.year for entry in reports.report_years()]
    response = render(request, "reports/report.html", context, status=200 if report.exists else 404)
    if report.edition_is_draft:
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
    return response
