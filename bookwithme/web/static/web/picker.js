// The slot picker: a month of days (the bookable ones marked) and the times of the chosen day,
// in a time zone the visitor can change. Slots come from the public API, one month a request.
//
//   mountPicker(root, { slotsUrl(from, to, zone), onPick(slot), strings })
//
// root: the [data-picker] element of web/picker.html. onPick gets {start, end, zone} (start and
// end as the API wrote them, with the zone's offset). The returned object has refresh() (reload
// the times, e.g. after a time was taken), zone() and focusChosen().
// root's data-state tells where it stands: loading, ready, empty, stale or failed.

import {
  addDays, detectedZone, formatDate, formatTime, isoDateIn, parseDate, supportedZones, zoneLabel,
} from "./dates.js";
import { reloadOnce, settled } from "./http.js";

function monthOf(iso) {
  return iso.slice(0, 7);
}

function shiftMonth(month, by) {
  const date = parseDate(`${month}-01`);
  date.setUTCMonth(date.getUTCMonth() + by);
  return date.toISOString().slice(0, 7);
}

function lastDayOf(month) {
  return addDays(`${shiftMonth(month, 1)}-01`, -1);
}

class PickerError extends Error {
  constructor(status, body) {
    super(`slots answered ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export function mountPicker(root, { slotsUrl, onPick, strings }) {
  const $ = (selector) => root.querySelector(selector);
  const select = $("[data-zone]");
  const grid = $("[data-grid]");
  const times = $("[data-times]");
  const horizonDays = Number(root.dataset.horizonDays) || 60;
  const fallbackZone = root.dataset.fallbackZone || "UTC";

  const cache = new Map(); // "zone|YYYY-MM" -> {days: Map(date -> [slot]), notice}
  let zone = detectedZone() || fallbackZone;
  let today = "";
  let lastDay = "";
  let month = "";
  let chosenDay = "";
  let chosenStart = "";
  let generation = 0; // answers of an older request are dropped
  let started = false; // a first month was shown: retrying reloads it rather than searching

  fillZones();

  function fillZones() {
    const zones = supportedZones();
    if (!zones.includes(zone)) zones.push(zone);
    if (!zones.includes(fallbackZone)) zones.push(fallbackZone);
    zones.sort();
    select.replaceChildren(...zones.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = zoneLabel(name);
      option.selected = name === zone;
      return option;
    }));
    select.value = zone;
  }

  function setState(state) {
    root.dataset.state = state;
    root.setAttribute("aria-busy", state === "loading" ? "true" : "false");
    $("[data-loading]").textContent = state === "loading" ? strings.loading : "";
  }

  async function fetchMonth(wanted) {
    const key = `${zone}|${wanted}`;
    if (cache.has(key)) return cache.get(key);
    const first = `${wanted}-01` < today ? today : `${wanted}-01`;
    const last = lastDayOf(wanted) > lastDay ? lastDay : lastDayOf(wanted);
    const answer = { days: new Map(), notice: "" };
    if (first <= last) {
      const response = await fetch(slotsUrl(first, last, zone), {
        headers: { Accept: "application/json" },
      });
      const body = await response.json().catch(() => ({}));
      if (!response.ok) throw new PickerError(response.status, body);
      answer.notice = body.notice || "";
      for (const slot of body.slots || []) {
        const day = slot.start.slice(0, 10); // written in `zone`, so its date is the local one
        if (!answer.days.has(day)) answer.days.set(day, []);
        answer.days.get(day).push(slot);
      }
    }
    cache.set(key, answer);
    return answer;
  }

  function showMessage(kind, text) {
    const notice = $("[data-notice]");
    const empty = $("[data-empty]");
    const failed = $("[data-failed]");
    notice.hidden = kind !== "stale";
    empty.hidden = kind !== "empty";
    failed.hidden = kind !== "failed";
    if (kind === "stale") notice.textContent = text;
    if (kind === "empty") empty.textContent = text;
    if (kind === "failed") {
      $("[data-failed-text]").textContent = text;
      $("[data-retry]").textContent = strings.retry;
    }
  }

  function showCalendar(shown) {
    $("[data-calendar]").hidden = !shown;
  }

  function handleFailure(error) {
    // Gone, switched off, or (a booking being moved) cancelled: the page now says so.
    if (error instanceof PickerError && [404, 409, 410].includes(error.status) && reloadOnce()) {
      return;
    }
    const badZone = error instanceof PickerError && error.status === 422 && error.body.fields?.tz;
    if (badZone && zone !== fallbackZone) {
      zone = fallbackZone;
      select.value = zone;
      started = false;
      start();
      return;
    }
    setState("failed");
    showMessage("failed", strings.slots_failed);
    showCalendar(started);
  }

  // From this month on, the first month with a bookable day, up to the horizon.
  async function start() {
    const mine = ++generation;
    today = isoDateIn(new Date(), zone);
    lastDay = addDays(today, horizonDays);
    month = monthOf(today);
    chosenDay = "";
    setState("loading");
    try {
      for (let m = monthOf(today); m <= monthOf(lastDay); m = shiftMonth(m, 1)) {
        const answer = await fetchMonth(m);
        if (mine !== generation) return;
        // A notice means the times are withheld for now: looking further would not help.
        if (answer.notice || answer.days.size) {
          month = m;
          started = true;
          return ready(answer, [...answer.days.keys()].sort()[0] || "");
        }
      }
      if (mine !== generation) return;
      started = true;
      render({ days: new Map() });
      setState("empty");
      showMessage("empty", strings.no_times);
      showCalendar(false);
    } catch (error) {
      if (mine === generation) handleFailure(error);
    }
  }

  async function goTo(wanted, { keepDay = false } = {}) {
    const mine = ++generation;
    month = wanted;
    setState("loading");
    showCalendar(true);
    render({ days: new Map() });
    try {
      const answer = await fetchMonth(wanted);
      if (mine !== generation) return;
      const open = [...answer.days.keys()].sort();
      ready(answer, keepDay && answer.days.has(chosenDay) ? chosenDay : open[0]);
    } catch (error) {
      if (mine === generation) handleFailure(error);
    }
  }

  function ready(answer, day = "") {
    settled();
    chosenDay = day;
    if (answer.notice) {
      setState("stale");
      showMessage("stale", strings.stale);
    } else {
      setState("ready");
      showMessage("");
    }
    // Withheld times leave nothing to pick from: only the notice is shown.
    showCalendar(!answer.notice || answer.days.size > 0);
    render(answer);
  }

  function render(answer) {
    $("[data-month-title]").textContent = formatDate(`${month}-01`, { month: "long", year: "numeric" });
    $("[data-prev]").disabled = month <= monthOf(today);
    $("[data-next]").disabled = month >= monthOf(lastDay);
    renderGrid(answer);
    renderTimes(answer.days.get(chosenDay) || []);
  }

  function renderGrid(answer) {
    const firstDay = Number(strings.first_day) || 0;
    const cells = [];
    for (let i = 0; i < 7; i++) {
      // 2023-01-01 was a Sunday: weekday names in the page's language, the week as it starts here.
      const iso = addDays("2023-01-01", (firstDay + i) % 7);
      const head = document.createElement("span");
      head.className = "dow";
      head.setAttribute("aria-hidden", "true");
      head.textContent = formatDate(iso, { weekday: "short" });
      cells.push(head);
    }
    const first = `${month}-01`;
    const blanks = (parseDate(first).getUTCDay() - firstDay + 7) % 7;
    for (let i = 0; i < blanks; i++) cells.push(document.createElement("span"));
    const open = [...answer.days.keys()];
    const focusable = chosenDay || open.sort()[0] || "";
    for (let iso = first; monthOf(iso) === month; iso = addDays(iso, 1)) {
      const button = document.createElement("button");
      const isOpen = answer.days.has(iso);
      button.type = "button";
      button.className = "day" + (isOpen ? " open" : "") + (iso === today ? " today" : "");
      button.dataset.date = iso;
      button.disabled = !isOpen;
      button.textContent = String(Number(iso.slice(8)));
      button.setAttribute("aria-pressed", String(iso === chosenDay));
      const label = formatDate(iso, { weekday: "long", day: "numeric", month: "long" });
      button.setAttribute("aria-label", `${label}, ${isOpen ? strings.open_day : strings.closed_day}`);
      button.tabIndex = iso === focusable ? 0 : -1;
      if (iso === today) button.setAttribute("aria-current", "date");
      cells.push(button);
    }
    grid.replaceChildren(...cells);
  }

  function renderTimes(slots) {
    const title = $("[data-day-title]");
    if (!chosenDay) {
      title.textContent = "";
      const hint = document.createElement("p");
      hint.className = "muted small";
      hint.textContent = root.dataset.state === "ready" ? strings.pick_day : "";
      times.replaceChildren(hint);
      return;
    }
    title.textContent = formatDate(chosenDay, { weekday: "long", day: "numeric", month: "long" });
    times.replaceChildren(...slots.map((slot) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "time";
      button.dataset.start = slot.start;
      button.dataset.end = slot.end;
      button.textContent = formatTime(new Date(slot.start), zone);
      button.setAttribute("aria-pressed", String(slot.start === chosenStart));
      return button;
    }));
  }

  function chooseDay(iso, { focus = false } = {}) {
    const answer = cache.get(`${zone}|${month}`);
    if (!answer || !answer.days.has(iso)) return;
    chosenDay = iso;
    render(answer);
    if (focus) grid.querySelector(`[data-date="${iso}"]`)?.focus();
  }

  // Arrow keys move between bookable days, Home/End to the month's first and last one.
  function onGridKey(event) {
    const current = event.target.closest(".day");
    if (!current) return;
    const open = [...grid.querySelectorAll(".day.open")].map((b) => b.dataset.date);
    const at = current.dataset.date;
    let target = "";
    if (event.key === "ArrowRight") target = open.find((d) => d > at);
    else if (event.key === "ArrowLeft") target = open.filter((d) => d < at).pop();
    else if (event.key === "ArrowDown") target = open.find((d) => d >= addDays(at, 7)) || open.at(-1);
    else if (event.key === "ArrowUp") target = open.filter((d) => d <= addDays(at, -7)).pop() || open[0];
    else if (event.key === "Home") target = open[0];
    else if (event.key === "End") target = open.at(-1);
    else return;
    event.preventDefault();
    if (target && target !== at) chooseDay(target, { focus: true });
  }

  grid.addEventListener("click", (event) => {
    const day = event.target.closest(".day.open");
    if (day) chooseDay(day.dataset.date, { focus: true });
  });
  grid.addEventListener("keydown", onGridKey);
  times.addEventListener("click", (event) => {
    const button = event.target.closest(".time");
    if (!button) return;
    chosenStart = button.dataset.start;
    for (const other of times.querySelectorAll(".time")) {
      other.setAttribute("aria-pressed", String(other === button));
    }
    onPick({ start: button.dataset.start, end: button.dataset.end, zone });
  });
  // At the first or last month its button switches off: keep the focus on the other one.
  async function step(by, button, other) {
    await goTo(shiftMonth(month, by));
    if (button.disabled && document.activeElement !== other) other.focus();
  }
  const prev = $("[data-prev]");
  const next = $("[data-next]");
  prev.addEventListener("click", () => step(-1, prev, next));
  next.addEventListener("click", () => step(1, next, prev));
  $("[data-retry]").addEventListener("click", () => (started ? goTo(month, { keepDay: true }) : start()));
  select.addEventListener("change", () => {
    zone = select.value;
    chosenStart = "";
    started = false;
    start();
  });

  start();

  return {
    zone: () => zone,
    refresh() {
      cache.clear();
      chosenStart = "";
      return goTo(month, { keepDay: true });
    },
    focusChosen() {
      const chosen = times.querySelector('.time[aria-pressed="true"]') ||
        grid.querySelector('.day[aria-pressed="true"]');
      chosen?.focus();
    },
  };
}
