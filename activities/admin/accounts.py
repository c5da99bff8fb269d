"""Accounts: a user's role is their group; a Rédacteur's structures are set on their page."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from activities.models import Editorship

User = get_user_model()


class EditorshipInline(admin.TabularInline):
    model = Editorship
    fk_name = "user"
    autocomplete_fields = ("structure",)
    extra = 1


admin.site.unregister(User)


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    inlines = (EditorshipInline,)
    list_display = (*UserAdmin.list_display, "role_list")
    list_filter = (*UserAdmin.list_filter, "editorships__structure")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="rôles")
    def role_list(self, obj):
        return ", ".join(group.name for group in obj.groups.all())
