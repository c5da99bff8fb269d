"""The publishers' "to review" list: every entry submitted for review, all kinds together."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from activities.access import can_publish
from activities.models import CampusInitiative, Programme, Publication, ResearchProject, Thesis

REVIEWED_MODELS = (Programme, ResearchProject, Thesis, Publication, CampusInitiative)


def reviewable_models(user):
    return [model for model in REVIEWED_MODELS if can_publish(user, model)]


def review_list(request):
    models = reviewable_models(request.user)
    if not models:
        raise PermissionDenied
    groups = []
    for model in models:
        info = model._meta.app_label, model._meta.model_name
        entries = [
            (entry, reverse(f"admin:{info[0]}_{info[1]}_change", args=[entry.pk]))
            for entry in model.objects.to_review().select_related("submitted_by")
        ]
        groups.append((model._meta.verbose_name_plural, entries))
    context = {
        **admin.site.each_context(request),
        "title": _("À relire"),
        "groups": groups,
        "total": sum(len(entries) for _name, entries in groups),
    }
    return TemplateResponse(request, "admin/activities/review_list.html", context)
