"""Private links to a meeting type: making one (its URL shown once), the list, revoking."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from bookwithme.booking import addresses, services
from bookwithme.booking.models import Link
from bookwithme.web.app.auth import SignedInRequest, signed_in
from bookwithme.web.app.forms import LinkForm
from bookwithme.web.app.meeting_types import own_type

# The tag of the one message that carries a new link's URL: the only time it can be shown,
# since only the token's hash is stored. Messages travel in a signed cookie, not the database.
NEW_LINK = "new-link"


@signed_in
@require_http_methods(["GET", "HEAD", "POST"])
def index(request: SignedInRequest, type_id: int) -> HttpResponse:
    mt = own_type(request, type_id)
    if request.method == "POST":
        form = LinkForm(request.POST)
        if form.is_valid():
            try:
                _link, token = services.create_link(mt, **form.cleaned_data)
            except ValidationError as e:
                form.refuse(e)
            else:
                messages.success(request, addresses.link_url(token), extra_tags=NEW_LINK)
                return redirect("app:links", type_id=mt.pk)
    else:
        form = LinkForm()
    now = timezone.now()
    rows = [(link, link.state(now)) for link in mt.links.order_by("-created_at", "-pk")]
    return render(
        request,
        "web/app/links.html",
        {"meeting_type": mt, "form": form, "rows": rows, "type_url": addresses.type_url(mt)},
    )


@signed_in
@require_POST
def revoke(request: SignedInRequest, link_id: int) -> HttpResponse:
    link = get_object_or_404(
        Link.objects.select_related("meeting_type"),
        pk=link_id,
        meeting_type__owner=request.user,
        meeting_type__deleted_at__isnull=True,
    )
    link.revoke()
    messages.success(request, _("The link is revoked: it no longer opens the booking page."))
    return redirect("app:links", type_id=link.meeting_type_id)
