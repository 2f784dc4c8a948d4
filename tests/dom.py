"""A page as the browser reads it: a response parsed into its document, searched by XPath.

lxml comes with the CalDAV client; CSS selectors would need cssselect, which is not here.
(Not named html.py: tests/ is on sys.path, where that would hide the standard library's.)
"""

import copy

import lxml.html
from lxml.html import HtmlElement


def dom(response) -> HtmlElement:
    """The document of a test client's response (or of a string of HTML): its <html>."""
    source = response if isinstance(response, str) else response.content.decode()
    return lxml.html.document_fromstring(source)


def one(page: HtmlElement, xpath: str) -> HtmlElement:
    """The one element `xpath` finds; fails saying how many it found otherwise."""
    found = page.xpath(xpath)
    assert len(found) == 1, f"{len(found)} elements at {xpath}"
    return found[0]


def attribute(page: HtmlElement, name: str) -> str:
    """The value of attribute `name` on the one element of the page that has it."""
    return one(page, f"//*[@{name}]").get(name)


def text(element: HtmlElement) -> str:
    """What an element says, its white space collapsed as a browser shows it (a <br> too)."""
    element = copy.deepcopy(element)
    for br in element.iter("br"):
        br.tail = " " + (br.tail or "")
    return " ".join(element.text_content().split())


def has_class(name: str) -> str:
    """An XPath test for an element one of whose classes is `name`: `//a[{has_class("card")}]`."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"
