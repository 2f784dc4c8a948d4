// Dates and times in a given IANA zone, written in the page's language with Intl.
//
// One format everywhere, the server's too (bookwithme/formats.py asks CLDR through Babel for
// the same styles): the full date ("Wednesday, December 9, 2026") and the short time, in the
// visitor's 12 or 24 hour clock, which they choose on the picker and which is remembered.

// The page's language, in the visitor's own regional form when it is the same language:
// a page in English read in en-GB writes 14:30, in en-US 2:30 PM.
export function language() {
  const page = document.documentElement.lang || "en";
  const own = navigator.languages || [navigator.language];
  return own.find((tag) => tag && tag.split("-")[0].toLowerCase() === page) || page;
}

// --- the 12 / 24 hour clock ---------------------------------------------------------------

const HOUR_CYCLE = "bookwithme-hour-cycle";
const cycleListeners = new Set();

// The region's own clock: "h12" (en-US) or "h23" (en-GB, fr).
export function regionCycle() {
  const options = new Intl.DateTimeFormat(language(), { timeStyle: "short" }).resolvedOptions();
  return options.hourCycle === "h11" || options.hourCycle === "h12" ? "h12" : "h23";
}

// The visitor's chosen clock, else their region's.
export function hourCycle() {
  try {
    const chosen = localStorage.getItem(HOUR_CYCLE);
    if (chosen === "h12" || chosen === "h23") return chosen;
  } catch {
    // no storage (a sandboxed frame): the region's clock
  }
  return regionCycle();
}

export function setHourCycle(cycle) {
  try {
    localStorage.setItem(HOUR_CYCLE, cycle);
  } catch {
    // not remembered, but still used on this page
  }
  forced = cycle;
  for (const listener of cycleListeners) listener(cycle);
}

let forced = "";

function currentCycle() {
  return forced || hourCycle();
}

// Call `listener(cycle)` whenever the visitor switches clocks, to write the times again.
export function onHourCycle(listener) {
  cycleListeners.add(listener);
}

// --- zones --------------------------------------------------------------------------------

export function detectedZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch {
    return "";
  }
}

// "UTC−5", "UTC+5:30", "UTC": the zone's offset now, with a true minus sign.
export function offsetLabel(zone, instant = new Date()) {
  let text = "";
  try {
    text = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "shortOffset" })
      .formatToParts(instant).find((p) => p.type === "timeZoneName").value;
  } catch {
    return "";
  }
  const offset = text.replace("GMT", "");
  return offset ? `UTC${offset.replace("-", "\u2212")}` : "UTC";
}

// Minutes east of UTC now, to order zones.
export function offsetMinutes(zone, instant = new Date()) {
  const label = offsetLabel(zone, instant).slice(3);
  if (!label) return 0;
  const sign = label.startsWith("\u2212") ? -1 : 1;
  const [hours, minutes = "0"] = label.slice(1).split(":");
  return sign * (Number(hours) * 60 + Number(minutes));
}

// --- calendar dates -----------------------------------------------------------------------

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

// The same day `by` months on, kept inside the shorter month (31 January + 1 -> 28 February).
export function addMonths(iso, by) {
  const [y, m, d] = iso.split("-").map(Number);
  const first = new Date(Date.UTC(y, m - 1 + by, 1));
  const last = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  first.setUTCDate(Math.min(d, last));
  return isoDate(first);
}

// --- writing them -------------------------------------------------------------------------

// CLDR's narrow no-break space before AM/PM, written as a plain space as the server does.
const plain = (text) => text.replaceAll("\u202f", " ");

// A calendar date in any other form (month titles, weekday names, the days' labels).
export function formatDate(iso, options) {
  return plain(new Intl.DateTimeFormat(language(), { ...options, timeZone: "UTC" }).format(parseDate(iso)));
}

// The full date of a calendar day: "Wednesday, December 9, 2026".
export function formatDay(iso) {
  return formatDate(iso, { dateStyle: "full" });
}

// The region's short time style; in the other clock, CLDR's pattern for it ("h:mm a", "HH:mm"),
// as formats.py picks them (timeStyle with another hourCycle would write "02:05 pm" in en-GB).
export function formatTime(instant, zone) {
  const cycle = currentCycle();
  const options = cycle === regionCycle()
    ? { timeStyle: "short" }
    : { hour: "numeric", minute: "2-digit", hourCycle: cycle };
  return plain(new Intl.DateTimeFormat(language(), { timeZone: zone, ...options }).format(instant));
}

function formatDayOf(instant, zone) {
  return plain(new Intl.DateTimeFormat(language(), { timeZone: zone, dateStyle: "full" }).format(instant));
}

// How the server joins a day and two times, translated: web/strings's "when", "span".
const PATTERNS = { when: "%(day)s, %(start)s – %(end)s", span: "%(start)s – %(end)s" };

export function usePatterns(strings) {
  if (strings.when_pattern) PATTERNS.when = strings.when_pattern;
  if (strings.span_pattern) PATTERNS.span = strings.span_pattern;
}

function fill(pattern, values) {
  return pattern.replace(/%\((\w+)\)s/g, (_, name) => values[name] ?? "");
}

// "Tuesday, June 2, 2026, 9:00 AM – 9:30 AM", both ends in `zone`.
export function formatRange(start, end, zone) {
  const day = formatDayOf(start, zone);
  if (isoDateIn(start, zone) === isoDateIn(end, zone)) {
    return fill(PATTERNS.when, { day, start: formatTime(start, zone), end: formatTime(end, zone) });
  }
  return fill(PATTERNS.span, {
    start: `${day}, ${formatTime(start, zone)}`,
    end: `${formatDayOf(end, zone)}, ${formatTime(end, zone)}`,
  });
}
