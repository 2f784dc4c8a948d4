"""The time zones a visitor picks from: current names only, each with the cities people look for.

IANA keeps old names as links (Asia/Calcutta, Europe/Kiev, America/Montreal) and browsers
still report some of them (Chromium's ICU says Asia/Calcutta). The list offers each zone once,
by its current name (CLDR's aliases, through Babel: Asia/Kolkata, Europe/Kyiv, America/Toronto),
and carries its old names and their cities, so a stored or detected old name selects its
current zone and a search for "Montréal" or "montreal" finds Toronto's. Names are in the page's
language (CLDR's cities, countries and generic zone names); offsets and local times change, so
the browser works them out (picker.js).

Built once per process and language, never per request.
"""

import unicodedata
from functools import lru_cache
from zoneinfo import available_timezones

from babel import Locale
from babel.core import get_global
from babel.dates import get_timezone_location, get_timezone_name

# Where IANA files the zones of places; other ids (US/Eastern, Etc/GMT+5, EST5EDT) are not places.
AREAS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
# Cities of old names whose written form the id cannot carry.
CITY_NAMES = {"America/Montreal": "Montréal"}


def _aliases() -> dict[str, str]:
    """Old name -> current name, for the names this machine's zone database knows."""
    known = available_timezones()
    return {old: new for old, new in get_global("zone_aliases").items() if old in known}


def current_zones() -> list[str]:
    """The current name of every place's zone, sorted, plus UTC."""
    old = _aliases()
    zones = {z for z in available_timezones() if z.split("/")[0] in AREAS and z not in old}
    return [*sorted(zones), "UTC"]


def current_name(zone: str) -> str:
    """Asia/Calcutta -> Asia/Kolkata; a current name as it is."""
    return _aliases().get(zone, zone)


def _city_of_id(zone: str) -> str:
    return CITY_NAMES.get(zone) or zone.rsplit("/", 1)[-1].replace("_", " ")


def _generic_name(zone: str, where: Locale) -> str:
    """The generic name ("Eastern Time"); for a zone without daylight saving, whose generic
    name CLDR leaves out (Babel then answers with the place), its standard name: "India
    Standard Time"."""
    generic = get_timezone_name(zone, width="long", zone_variant="generic", locale=where)
    if generic == get_timezone_location(zone, locale=where):
        return get_timezone_name(zone, width="long", zone_variant="standard", locale=where)
    return generic


def _utc_name(where: Locale) -> str:
    names = where.time_zones.get("Etc/UTC", {}).get("long", {})
    return names.get("standard") or "Coordinated Universal Time"


def _entry(zone: str, where: Locale, old_names: list[str], names: dict[str, int]) -> list:
    territories = get_global("zone_territories")
    if zone == "UTC":
        city, country, generic = "UTC", "", _utc_name(where)
    else:
        city = get_timezone_location(zone, locale=where, return_city=True)
        code = territories.get(zone, "")
        country = where.territories.get(code, "") if code and code != "001" else ""
        generic = _generic_name(zone, where)
    # Other words a visitor may type: the city as the id spells it, and the old names' cities.
    others = {_city_of_id(zone)} | {
        _city_of_id(name) for name in old_names if name.split("/")[0] in AREAS
    }
    others.discard(city)
    return [zone, city, names.setdefault(generic, len(names)), country, sorted(others), old_names]


@lru_cache(maxsize=4)
def zone_list(language: str) -> dict:
    """What picker.js reads (json_script "web-zones"): `zones`, one row per current zone,
    [id, city, index into `names`, country, other cities, old ids], and `names`, the generic
    zone names ("Eastern Time"), written once each."""
    where = Locale.parse(language)
    old: dict[str, list[str]] = {}
    for name, current in _aliases().items():
        old.setdefault(current, []).append(name)
    names: dict[str, int] = {}
    rows = [_entry(zone, where, sorted(old.get(zone, [])), names) for zone in current_zones()]
    return {"zones": rows, "names": list(names)}


@lru_cache(maxsize=4)
def _labels(language: str) -> dict[str, str]:
    data = zone_list(language)
    names = data["names"]
    labels = {}
    for zone, city, name, _country, _others, old in data["zones"]:
        labels[zone] = f"{city} ({names[name]})" if names[name] else city
        for old_name in old:
            labels.setdefault(old_name, labels[zone])
    return labels


def label(zone: str, language: str) -> str:
    """A zone as the picker names it, "Toronto (Eastern Time)" (an old name as its current
    one), for people who do not read IANA ids; a zone the list does not hold by its id."""
    return _labels(language).get(zone) or zone.replace("_", " ")


@lru_cache(maxsize=4)
def choices(language: str) -> list[tuple[str, str]]:
    """Every current zone with its label, by city: a form's select before the script makes it
    the searchable list (and without scripts)."""
    labels = _labels(language)
    zones = [row[0] for row in zone_list(language)["zones"]]
    return sorted(((zone, labels[zone]) for zone in zones), key=lambda c: _sort_key(c[1]))


def _sort_key(text: str) -> str:
    """Sorting without accents first: "Ürümqi" among the U's."""
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode().lower()
