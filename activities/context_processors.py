"""What every page's template can use, including the error pages that no view renders."""


def portal(request):
    """The sections of the site, for the header's navigation."""
    from .views import SECTIONS  # views import models; keep settings loading light

    return {"sections": SECTIONS}
