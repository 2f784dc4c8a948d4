// Dates and times in a given IANA zone, written in the page's language with Intl.

// The page's language, in the visitor's own regional form when it is the same language:
// a page in English read in en-GB writes 14:30, in en-US 2:30 PM.
export function language() {
  const page = document.documentElement.lang || "en";
  const own = navigator.languages || [navigator.language];
  return own.find((tag) => tag && tag.split("-")[0].toLowerCase() === page) || page;
}

export function detectedZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

export function supportedZones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
}

// "YYYY-MM-DD" of an instant, as the calendar reads it in `zone`.
export function isoDateIn(instant, zone) {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
  }).formatToParts(instant);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

// Plain calendar dates ("YYYY-MM-DD") are handled as UTC midnights, so no zone shifts them.
export function parseDate(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function isoDate(date) {
  return date.toISOString().slice(0, 10);
}

export function addDays(iso, days) {
  const date = parseDate(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDate(date);
}

export function formatDate(iso, options) {
  return new Intl.DateTimeFormat(language(), { ...options, timeZone: "UTC" }).format(parseDate(iso));
}

export function formatTime(instant, zone) {
  return new Intl.DateTimeFormat(language(), { timeZone: zone, timeStyle: "short" }).format(instant);
}

// "Tuesday 2 June 2026, 09:00 – 09:30", both ends in `zone`.
export function formatRange(start, end, zone) {
  const day = new Intl.DateTimeFormat(language(), {
    timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
  }).format(start);
  return `${day}, ${formatTime(start, zone)} – ${formatTime(end, zone)}`;
}

export function zoneLabel(zone) {
  return zone.replaceAll("_", " ");
}
