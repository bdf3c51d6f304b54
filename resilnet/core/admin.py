from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from resilnet.core.models import APIToken, AuditEvent, Country, Job, Region, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to administrators; changed only through services, never through the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type", "at"]
    search_fields = ["actor_label", "object_id", "object_repr", "request_id"]
    date_hierarchy = "at"


@admin.register(Country)
class CountryAdmin(ReadOnlyAdmin):
    list_display = ["iso3", "name", "itu_region", "m49_subregion", "ldc", "lldc", "sids"]
    list_filter = ["itu_region", "ldc", "lldc", "sids"]
    search_fields = ["name", "iso3", "iso2"]


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "code", "parent"]
    list_filter = ["kind"]


@admin.register(APIToken)
class APITokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "role", "created_at", "expires_at", "revoked_at"]
    list_filter = ["role"]


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ["label", "state", "done", "total", "requested_by", "created_at"]
    list_filter = ["state"]


@admin.register(User)
class ResilnetUserAdmin(UserAdmin, ReadOnlyAdmin):
    list_display = ["username", "email", "organisation", "is_active", "last_login"]
