"""Template helpers of the admin."""

from django import template

from activities.admin.review import reviewable_models

register = template.Library()


@register.simple_tag(takes_context=True)
def review_summary(context):
    """Whether the user reviews entries, and how many wait for it."""
    models = reviewable_models(context["request"].user)
    return {
        "allowed": bool(models),
        "count": sum(model.objects.to_review().count() for model in models),
    }
