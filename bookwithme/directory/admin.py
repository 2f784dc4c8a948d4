"""The Django admin: superusers see everything, an organization's admins only their own.

Django's permission rows play no part. `OrgScopedAdmin` decides every right from who is asking:
a superuser may do anything, an organization admin may see (and, where allowed, change) the
rows of their own organization, anyone else nothing. Access settings, licences and the sharing
level change through `changes`, so that the admin leaves the same audit trail as the command
line.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from bookwithme.directory.changes import (
    APP_NAME,
    ChangeError,
    change_access,
    set_anonymous_sharing,
    set_licence,
    set_privacy_notice_text,
    set_privacy_notice_url,
    set_retention_days,
)
from bookwithme.directory.models import AuditEntry, Organization, Person
from bookwithme.directory.policy import REASONS, page_decision

ACCESS_FIELDS = ("calendar_api_enabled", "app_access_policy", "app_allow_list", "app_block_list")


def org_admin_organization_id(request) -> int | None:
    """The organization the signed-in person administers, or None if they administer none.

    Superusers administer everything and get None here too: ask `is_superuser` first.
    """
    user = request.user
    if (
        user.is_active
        and user.is_staff
        and getattr(user, "is_org_admin", False)
        and not user.is_superuser
    ):
        return user.organization_id
    return None


class OrgScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rights come from the organization, not from permission rows.

    `org_path` leads from the model to its Organization ("" for Organization itself).
    Organization admins may view, and change unless `org_admins_may_change` is off; they add
    only where `org_admins_may_add` is on and never delete. `read_only` refuses every change,
    even to superusers. `choice_scopes` narrows foreign key choices for organization admins:
    field name -> the lookup from the related model to its Organization.
    """

    class Media:
        # The stock admin's few fixes for WCAG 2.2 (web/static/web/admin.css).
        css = {"all": ["web/admin.css"]}

    org_path = "organization"
    org_admins_may_add = False
    org_admins_may_change = True
    read_only = False
    choice_scopes: dict[str, str] = {}
    # Fields that are never shown, and never filtered on through the query string.
    hidden_fields: tuple[str, ...] = ()

    # Columns and filters only superusers get, since only they see several organizations.
    superuser_columns: tuple[str, ...] = ()
    superuser_filters: tuple[str, ...] = ()

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        return (*shown, *self.superuser_columns) if request.user.is_superuser else shown

    def get_list_filter(self, request):
        shown = super().get_list_filter(request)
        return (*shown, *self.superuser_filters) if request.user.is_superuser else shown

    def scope_filter(self, org_id: int) -> dict[str, int]:
        return {f"{self.org_path}_id" if self.org_path else "pk": org_id}

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        org_id = org_admin_organization_id(request)
        if org_id is None:
            return queryset.none()
        return queryset.filter(**self.scope_filter(org_id))

    def in_scope(self, request, obj=None) -> bool:
        if request.user.is_superuser:
            return True
        if org_admin_organization_id(request) is None:
            return False
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self.in_scope(request)

    def has_view_permission(self, request, obj=None):
        return self.in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        if self.read_only:
            return False
        if request.user.is_superuser:
            return True
        return self.org_admins_may_change and self.in_scope(request, obj)

    def has_add_permission(self, request):
        if self.read_only:
            return False
        if request.user.is_superuser:
            return True
        return self.org_admins_may_add and self.in_scope(request)

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and request.user.is_superuser

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        org_id = org_admin_organization_id(request)
        if db_field.name in self.choice_scopes and not request.user.is_superuser:
            related = db_field.related_model._default_manager
            lookup = f"{self.choice_scopes[db_field.name]}_id"
            kwargs["queryset"] = (
                related.none() if org_id is None else related.filter(**{lookup: org_id})
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def lookup_allowed(self, lookup, value, request):
        if any(lookup.split("__")[0] == name for name in self.hidden_fields):
            return False
        return super().lookup_allowed(lookup, value, request)


class SuperusersOnly:
    """For the site's internals (the outbox, task rows): only superusers see them, since they
    run the site; an organization's admins do not even see the section."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# A setting left unset counts as on (`policy`): say so rather than Django's "Unknown".
DEFAULT_ON = _("Default (on)")
ON_OFF_CHOICES = (("unknown", DEFAULT_ON), ("true", _("On")), ("false", _("Off")))


class DefaultOnSelect(forms.NullBooleanSelect):
    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = ON_OFF_CHOICES


class DefaultOnFilter(admin.SimpleListFilter):
    """The filter of `calendar_api_enabled`, in the words of the form."""

    title = _("calendar API enabled")
    parameter_name = "calendar_api_enabled"

    def lookups(self, request, model_admin):
        return (("default", DEFAULT_ON), ("on", _("On")), ("off", _("Off")))

    def queryset(self, request, queryset):
        value = {"default": None, "on": True, "off": False}.get(self.value() or "", ...)
        if value is ...:
            return queryset
        if value is None:
            return queryset.filter(calendar_api_enabled__isnull=True)
        return queryset.filter(calendar_api_enabled=value)


def on_or_default(value: bool | None) -> str:
    return str(DEFAULT_ON if value is None else _("On") if value else _("Off"))


class AppListField(forms.CharField):
    """An app list as the admin types it: names separated by line breaks, commas or spaces."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 40})

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("App names, one per line, such as PersonalBookings."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value) or ""
        return list(dict.fromkeys(name for name in re.split(r"[\s,]+", text) if name))

    def validate(self, value):
        super().validate(value)
        bad = [name for name in value if not APP_NAME.match(name)]
        if bad:
            raise ValidationError(
                _("Not app names (letters, digits, . _ -): %(names)s"),
                params={"names": ", ".join(bad)},
            )


class AccessSettingsForm(forms.ModelForm):
    app_allow_list = AppListField(label=_("app allow list"))
    app_block_list = AppListField(label=_("app block list"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "calendar_api_enabled" in self.fields:
            self.fields["calendar_api_enabled"].widget = DefaultOnSelect()


class AuditedSettingsAdmin(OrgScopedAdmin):
    """Saves `audited_fields` through `changes` (audited), everything else as usual.

    All of it happens in the admin's transaction: a ChangeError undoes the whole save and comes
    back as an error message on the same page.
    """

    audited_fields: tuple[str, ...] = ()

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ChangeError as e:
            self.message_user(request, str(e), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def plain_fields(self, request, obj, form) -> list[str]:
        """The fields a change saves directly: the form's changed ones, minus audited ones."""
        names = {f.name for f in obj._meta.concrete_fields}
        return [
            name for name in form.changed_data if name in names and name not in self.audited_fields
        ]

    def save_model(self, request, obj, form, change):
        # `before`: the stored values (the form's initial), or the defaults for a new row; the
        # audited values are set from there by `changes`, which writes the log.
        if change:
            before = {name: form.initial.get(name) for name in self.audited_fields}
            wanted = {
                name: getattr(obj, name)
                for name in self.audited_fields
                if name in form.changed_data
            }
            fields = self.plain_fields(request, obj, form)
            if fields:
                obj.save(update_fields=fields)
        else:
            before = {name: obj._meta.get_field(name).get_default() for name in self.audited_fields}
            wanted = {
                name: getattr(obj, name)
                for name in self.audited_fields
                if name in form.fields and getattr(obj, name) != before[name]
            }
            for name in wanted:
                setattr(obj, name, before[name])
            obj.save()
        if wanted:
            self.apply_audited(obj, wanted, before, actor=f"admin ({request.user.email})")
            obj.refresh_from_db(fields=list(wanted))

    def apply_audited(self, obj, wanted: dict, before: dict, *, actor: str) -> None:
        if not wanted.keys() & set(ACCESS_FIELDS):
            return
        changes = {}
        for name in ("calendar_api_enabled", "app_access_policy"):
            if name in wanted:
                changes[name] = wanted[name]
        for kind in ("allow", "block"):
            name = f"app_{kind}_list"
            if name in wanted:
                old, new = list(before[name] or []), list(wanted[name] or [])
                changes[f"{kind}_add"] = [app for app in new if app not in old]
                changes[f"{kind}_remove"] = [app for app in old if app not in new]
        change_access(obj, actor=actor, **changes)


# Organizations


PRIVACY_FIELDS = ("retention_days", "privacy_notice_url", "privacy_notice_text")


class OrganizationForm(AccessSettingsForm):
    class Meta:
        model = Organization
        fields = (
            "name",
            "domain",
            *ACCESS_FIELDS,
            "anonymous_sharing",
            *PRIVACY_FIELDS,
        )

    def clean_domain(self):
        return self.cleaned_data["domain"].strip().lower().removesuffix(".")


@admin.register(Organization)
class OrganizationAdmin(AuditedSettingsAdmin):
    form = OrganizationForm
    org_path = ""
    audited_fields = (*ACCESS_FIELDS, "anonymous_sharing", *PRIVACY_FIELDS)
    list_display = ("name", "domain", "anonymous_sharing", "calendar_api", "retention_days")
    list_filter = (DefaultOnFilter,)
    search_fields = ("name", "domain")
    ordering = ("name",)
    fieldsets = (
        (None, {"fields": ("name", "domain", "created_at")}),
        (_("Calendar access"), {"fields": ACCESS_FIELDS}),
        (_("Booking pages"), {"fields": ("anonymous_sharing",)}),
        (_("Privacy"), {"fields": PRIVACY_FIELDS}),
    )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return ("created_at",)
        return ("domain", "created_at")

    @admin.display(description=_("calendar API enabled"), ordering="calendar_api_enabled")
    def calendar_api(self, obj: Organization) -> str:
        return on_or_default(obj.calendar_api_enabled)

    def apply_audited(self, obj, wanted, before, *, actor):
        super().apply_audited(obj, wanted, before, actor=actor)
        if "anonymous_sharing" in wanted:
            set_anonymous_sharing(obj, wanted["anonymous_sharing"], actor=actor)
        if "retention_days" in wanted:
            set_retention_days(obj, wanted["retention_days"], actor=actor)
        if "privacy_notice_url" in wanted:
            set_privacy_notice_url(obj, wanted["privacy_notice_url"], actor=actor)
        if "privacy_notice_text" in wanted:
            set_privacy_notice_text(obj, wanted["privacy_notice_text"], actor=actor)


# People


class PersonFormMixin:
    """Shared by the add and change forms of a person."""

    # Set by PersonAdmin for organization admins: where a new person goes.
    scope_organization: Organization | None = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.scope_organization is not None and self.instance.organization_id is None:
            self.instance.organization = self.scope_organization

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Person.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise ValidationError(_("Someone already has this email."))
        return email

    def clean_page_slug(self):
        slug = self.cleaned_data.get("page_slug")
        return slug.lower() if slug else None

    def clean(self):
        cleaned = super().clean()
        if "organization" in self.fields:
            org = cleaned.get("organization")
        else:
            org = self.instance.organization
        touched = [
            name
            for name in (*ACCESS_FIELDS, "has_licence")
            if name in self.changed_data and name in self.fields
        ]
        if org is None and touched:
            self.add_error(
                touched[0],
                _("Only a person in an organization has a licence or access settings."),
            )
        return cleaned


PROFILE_FIELDS = ("name", "time_zone", "language", "page_slug", "page_published")
RIGHTS = ("has_licence", "is_org_admin", "is_active")


class PersonChangeForm(PersonFormMixin, AccessSettingsForm, UserChangeForm):
    class Meta:
        model = Person
        fields = (
            "email",
            "password",
            *PROFILE_FIELDS,
            "organization",
            *RIGHTS,
            "is_staff",
            "is_superuser",
            *ACCESS_FIELDS,
        )


class PersonCreationForm(PersonFormMixin, AdminUserCreationForm):
    class Meta:
        model = Person
        fields = ("email",)


PROFILE = (_("Profile"), {"fields": PROFILE_FIELDS})
CALENDAR_ACCESS = (_("Calendar access"), {"fields": ACCESS_FIELDS})
DATES = (_("Dates"), {"fields": ("last_login", "date_joined")})
PASSWORD_FIELDS = ("usable_password", "password1", "password2")


class PageFilter(admin.SimpleListFilter):
    """People by whether their page is shown and, if not, why: `policy.page_decision`, the
    very test each public request asks."""

    title = _("booking page")
    parameter_name = "page"

    def lookups(self, request, model_admin):
        return (("on", _("On")), *((code, _("Off: %s") % text) for code, text in REASONS.items()))

    def queryset(self, request, queryset):
        wanted = self.value()
        if not wanted:
            return queryset
        picked = [
            person.pk
            for person in queryset.select_related("organization")
            if (page_decision(person).reason or "on") == wanted
        ]
        return queryset.filter(pk__in=picked)


def page_state(person: Person) -> str:
    """ "On", or "Off: " and the reason, as `bookwithme user` and the API's /me say it."""
    decision = page_decision(person)
    if decision.allowed:
        return str(_("On"))
    return str(_("Off: %s") % decision.message)


@admin.register(Person)
class PersonAdmin(AuditedSettingsAdmin, UserAdmin):
    form = PersonChangeForm
    add_form = PersonCreationForm
    org_admins_may_add = True
    audited_fields = (*ACCESS_FIELDS, "has_licence")
    superuser_columns = ("organization",)
    superuser_filters = ("is_superuser", "organization")
    list_display = ("email", "name", "page", "has_licence", "is_org_admin", "is_active")
    list_filter = (PageFilter, "has_licence", "is_org_admin", "is_active")
    list_select_related = ("organization",)
    search_fields = ("email", "name")
    ordering = ("email",)
    filter_horizontal = ()
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("booking page"))
    def page(self, obj: Person) -> str:
        return page_state(obj)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        # A superuser's password and email are not an organization admin's to change.
        return queryset.filter(is_superuser=False)

    def get_fieldsets(self, request, obj=None):
        if request.user.is_superuser:
            rights = ("organization", *RIGHTS, "is_staff", "is_superuser")
        else:
            rights = RIGHTS
        if obj is None:
            return (
                (None, {"classes": ("wide",), "fields": ("email", "name", *PASSWORD_FIELDS)}),
                (_("Rights"), {"fields": rights}),
            )
        return (
            (None, {"fields": ("email", "password")}),
            PROFILE,
            (_("Rights"), {"fields": rights}),
            CALENDAR_ACCESS,
            DATES,
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a new class each time
        if not request.user.is_superuser:
            form.scope_organization = request.user.organization
        return form

    def plain_fields(self, request, obj, form):
        fields = super().plain_fields(request, obj, form)
        if self.sync_staff(request, obj, form):
            fields.append("is_staff")
        return fields

    def sync_staff(self, request, obj, form) -> bool:
        """An organization admin signs in here, so for org admins the flag carries staff."""
        if "is_org_admin" in form.changed_data and "is_staff" not in form.fields:
            obj.is_staff = obj.is_org_admin or obj.is_superuser
            return True
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            if not request.user.is_superuser:
                obj.organization = request.user.organization
            self.sync_staff(request, obj, form)
        super().save_model(request, obj, form, change)

    def apply_audited(self, obj, wanted, before, *, actor):
        super().apply_audited(obj, wanted, before, actor=actor)
        if "has_licence" in wanted:
            set_licence(obj, wanted["has_licence"], actor=actor)


# The audit log


@admin.register(AuditEntry)
class AuditEntryAdmin(OrgScopedAdmin):
    read_only = True
    list_display = ("at", "actor", "target", "setting", "before", "after")
    list_filter = ("setting",)
    superuser_columns = ("organization",)
    superuser_filters = ("organization",)
    search_fields = ("target", "actor")
    date_hierarchy = "at"
    fields = ("at", "actor", "target", "setting", "before", "after", "organization")


# Permissions here come from the organization, never from groups: hide what would suggest so.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)
