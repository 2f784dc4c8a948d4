"""The admin's privacy requests page, /admin/privacy/: an organization's admin exports or erases
what their organization holds about an email address (privacy.export, privacy.erasure, scoped
to it); a superuser does it for any one organization. The whole site's, across organizations,
is the command line's (`bookwithme privacy`)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookwithme.directory.admin import org_admin_organization_id
from bookwithme.directory.models import Organization
from bookwithme.privacy.erasure import erase_address
from bookwithme.privacy.export import export


class RequestForm(forms.Form):
    organization = forms.ModelChoiceField(
        Organization.objects.order_by("name"), label=gettext_lazy("Organization")
    )
    email = forms.EmailField(label=gettext_lazy("Email address"), max_length=254)
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I understand that erasing cannot be undone, and cancels this address's upcoming "
            "bookings (their organizers are told)."
        ),
        required=False,
    )

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if organization is not None:
            # An organization's admin: theirs only, not even shown as a choice.
            field = self.fields["organization"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = Organization.objects.filter(pk=organization.pk)
            field.initial = organization
            field.widget = forms.HiddenInput()


def _scope(request: HttpRequest) -> Organization | None:
    """The admin's own organization; None for a superuser; refused for anyone else."""
    if request.user.is_superuser:
        return None
    org_id = org_admin_organization_id(request)
    if org_id is None:
        raise PermissionDenied
    return Organization.objects.get(pk=org_id)


def requests(request: HttpRequest) -> HttpResponse:
    own = _scope(request)
    form = RequestForm(request.POST or None, organization=own)
    if request.method == "POST" and form.is_valid():
        org = form.cleaned_data["organization"]
        email = form.cleaned_data["email"]
        actor = f"admin ({getattr(request.user, 'email', '')})"
        if "export" in request.POST:
            document = export(email, actor=actor, organization=org)
            body = json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
            response = HttpResponse(body, content_type="application/json; charset=utf-8")
            name = f"privacy-export-{org.domain}-{timezone.now():%Y%m%d-%H%M%S}.json"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            response["Cache-Control"] = "no-store"
            return response
        if not form.cleaned_data["confirm"]:
            form.add_error("confirm", _("Tick this box to erase."))
        else:
            done = erase_address(email, actor=actor, organization=org)
            messages.success(
                request,
                _(
                    "Erased in %(org)s. Bookings as attendee: %(erased)d, of which upcoming and "
                    "now cancelled (their organizers told): %(cancelled)d. As a guest: %(guest)d."
                )
                % {
                    "org": org.name,
                    "erased": done.erased,
                    "cancelled": len(done.cancelled),
                    "guest": done.as_guest,
                },
            )
            if done.person is not None:
                messages.warning(
                    request,
                    _(
                        "This address is also a person's account: it is kept. Deactivate or "
                        "delete the person when their records are no longer needed."
                    ),
                )
            return HttpResponseRedirect(request.path)
    context = {
        **admin.site.each_context(request),
        "title": _("Privacy requests"),
        "form": form,
        "organization": own,
    }
    return TemplateResponse(request, "web/admin/privacy.html", context)
