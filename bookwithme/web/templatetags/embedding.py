"""`{% embed_snippets user %}`: the dashboard's "Add to your website", three snippets that use
static/web/embed.js (an inline page, a pop-up, a floating button), ready to paste."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import gettext as _

from bookwithme.booking import addresses

register = template.Library()

VARIANTS = ("inline", "popup", "float")


def snippet(page_url: str, script_url: str, variant: str, text: str) -> str:
    return format_html(
        '<a href="{}" data-bookwithme="{}">{}</a>\n<script src="{}" defer></script>',
        page_url,
        variant,
        text,
        script_url,
    )


def snippets(person) -> dict[str, str]:
    """Each variant's HTML for the person's page; none without a page address."""
    page_url = addresses.page_url(person)
    if not page_url:
        return {}
    script_url = addresses.absolute(static("web/embed.js"))
    invitation = _("Book time with %(name)s") % {"name": person.name or person.email}
    texts = {"inline": invitation, "popup": invitation, "float": _("Book a meeting")}
    return {v: snippet(page_url, script_url, v, texts[v]) for v in VARIANTS}


@register.inclusion_tag("web/app/embed_snippets.html")
def embed_snippets(person) -> dict:
    return {"snippets": snippets(person)}
