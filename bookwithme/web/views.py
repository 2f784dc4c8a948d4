from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from bookwithme.clients import client_address
from bookwithme.observe import metrics as observed
from bookwithme.observe import ready


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 while the app and its database answer; 503 when the database does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # the database is down or unreachable: say so, do not 500
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """200 when this process may take traffic (database, migrations, caches), else 503; the
    JSON body names what failed (observe/ready.py)."""
    answer = ready.check()
    return JsonResponse(answer, status=200 if answer["ready"] else 503)


@never_cache
@require_safe
def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus' text format, for BOOKWITHME_METRICS_ALLOW only: to anyone else there is no
    such page (observe/metrics.py)."""
    if not observed.may_scrape(client_address(request)):
        raise Http404
    body, content_type = observed.exposition()
    return HttpResponse(body, content_type=content_type)
