from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ActivitiesConfig(AppConfig):
    name = "activities"
    verbose_name = _("Activités ODD 3")

    def ready(self):
        post_migrate.connect(_sync_roles, sender=self)
        from . import search

        search.connect()  # keeps each activity's search document in sync


def _sync_roles(sender, app_config, using="default", apps=None, **kwargs):
    """After every migrate, the role groups get exactly the permissions of roles.py."""
    from django.apps import apps as live_apps

    from .roles import apply_roles

    apply_roles(apps or live_apps, using=using)
