// The slot picker: a month of days (the bookable ones marked) and the times of the chosen day,
// in a time zone the visitor can change. Slots come from the public API, one month a request.
//
//   mountPicker(root, { slotsUrl(from, to, zone), onPick(slot), strings })
//
// root: the [data-picker] element of web/picker.html. onPick gets {start, end, zone} (start and
// end as the API wrote them, with the zone's offset). The returned object has refresh() (reload
// the times, e.g. after a time was taken), zone() and focusChosen().
// root's data-state tells where it stands: loading, ready, empty, stale or failed.
//
// The days follow the WAI-ARIA date picker grid: one day in the tab order, arrows move a day or
// a week (into the next or previous month too), Page Up / Page Down a month (with Shift a
// year), Home / End to the start or end of the week; Enter or Space picks an open day.
// The zone is picked from a searchable list (zonepicker.js, the ARIA combobox pattern), and a
// switch sets the 12 or 24 hour clock, remembered in the browser (dates.js).

import {
  addDays, addMonths, detectedZone, formatDate, formatDay, formatTime, hourCycle, isoDateIn,
  onHourCycle, parseDate, setHourCycle, usePatterns,
} from "./dates.js";
import { reloadOnce, settled } from "./http.js";
import { readZones, zoneChooser } from "./zonepicker.js";

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

// --- the picker ---------------------------------------------------------------------------

export function mountPicker(root, { slotsUrl, onPick, strings }) {
  const $ = (selector) => root.querySelector(selector);
  const grid = $("[data-grid]");
  const times = $("[data-times]");
  const horizonDays = Number(root.dataset.horizonDays) || 60;
  const zonesKnown = readZones().byId;
  // Zones by their current names: an old one detected or stored selects its current zone.
  const current = (id) => zonesKnown.get(id)?.id || id;
  const fallbackZone = current(root.dataset.fallbackZone || "UTC");

  const cache = new Map(); // "zone|YYYY-MM" -> {days: Map(date -> [slot]), notice}
  let zone = zonesKnown.has(detectedZone()) ? current(detectedZone()) : fallbackZone;
  let today = "";
  let lastDay = "";
  let month = "";
  let chosenDay = "";
  let chosenStart = "";
  let focusDay = ""; // the day the keyboard moved to, focused once its month is shown
  let generation = 0; // answers of an older request are dropped
  let started = false; // a first month was shown: retrying reloads it rather than searching

  usePatterns(strings);
  const chooser = zoneChooser($("[data-zone-field]"), {
    initial: zone,
    strings,
    onChange(id) {
      zone = id;
      chosenStart = "";
      started = false;
      start();
    },
  });
  const clock24 = $("[data-clock24]");
  clock24.checked = hourCycle() === "h23";
  clock24.addEventListener("change", () => setHourCycle(clock24.checked ? "h23" : "h12"));
  onHourCycle((cycle) => {
    clock24.checked = cycle === "h23";
    chooser.refresh();
    const answer = cache.get(`${zone}|${month}`);
    if (answer) renderTimes(answer.days.get(chosenDay) || []);
  });

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
      chooser.set(zone);
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

  async function goTo(wanted, { keepDay = false, focus = "" } = {}) {
    const mine = ++generation;
    month = wanted;
    focusDay = focus;
    setState("loading");
    showCalendar(true);
    render({ days: new Map() });
    try {
      const answer = await fetchMonth(wanted);
      if (mine !== generation) return;
      const open = [...answer.days.keys()].sort();
      let day = open[0];
      if (keepDay && answer.days.has(chosenDay)) day = chosenDay;
      if (focus && answer.days.has(focus)) day = focus;
      ready(answer, day);
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
    focusDay = "";
  }

  function render(answer) {
    $("[data-month-title]").textContent = formatDate(`${month}-01`, { month: "long", year: "numeric" });
    $("[data-prev]").disabled = month <= monthOf(today);
    $("[data-next]").disabled = month >= monthOf(lastDay);
    renderGrid(answer);
    renderTimes(answer.days.get(chosenDay) || []);
  }

  // Every day of the month is in the grid and can take the focus (one at a time in the tab
  // order); days without times say so and cannot be picked.
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
    const open = [...answer.days.keys()].sort();
    const inMonth = (iso) => iso && monthOf(iso) === month;
    const focusable = [focusDay, chosenDay, open[0], monthOf(today) === month ? today : first]
      .find(inMonth);
    for (let iso = first; monthOf(iso) === month; iso = addDays(iso, 1)) {
      const button = document.createElement("button");
      const isOpen = answer.days.has(iso);
      button.type = "button";
      button.className = "day" + (isOpen ? " open" : "") + (iso === today ? " today" : "");
      button.dataset.date = iso;
      if (!isOpen) button.setAttribute("aria-disabled", "true");
      button.textContent = String(Number(iso.slice(8)));
      button.setAttribute("aria-pressed", String(iso === chosenDay));
      const label = formatDate(iso, { weekday: "long", day: "numeric", month: "long" });
      button.setAttribute("aria-label", `${label}, ${isOpen ? strings.open_day : strings.closed_day}`);
      button.tabIndex = iso === focusable ? 0 : -1;
      if (iso === today) button.setAttribute("aria-current", "date");
      cells.push(button);
    }
    grid.replaceChildren(...cells);
    if (inMonth(focusDay)) grid.querySelector(`[data-date="${focusDay}"]`).focus();
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
    title.textContent = formatDay(chosenDay);
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

  // The day a key moves to from `at` (the WAI-ARIA date picker grid), or "" for other keys.
  function dayFor(event, at) {
    const firstDay = Number(strings.first_day) || 0;
    const weekday = (parseDate(at).getUTCDay() - firstDay + 7) % 7;
    const years = event.shiftKey ? 12 : 1;
    switch (event.key) {
      case "ArrowRight": return addDays(at, 1);
      case "ArrowLeft": return addDays(at, -1);
      case "ArrowDown": return addDays(at, 7);
      case "ArrowUp": return addDays(at, -7);
      case "PageDown": return addMonths(at, years);
      case "PageUp": return addMonths(at, -years);
      case "Home": return addDays(at, -weekday);
      case "End": return addDays(at, 6 - weekday);
      default: return "";
    }
  }

  // Moving the focus never picks: Enter, Space or a click does. Beyond the months that can
  // be shown (from this one to the horizon's) the focus stops at their first or last day.
  function onGridKey(event) {
    const day = event.target.closest(".day");
    if (!day || event.altKey || event.ctrlKey || event.metaKey) return;
    let target = dayFor(event, day.dataset.date);
    if (!target) return;
    event.preventDefault();
    const first = `${monthOf(today)}-01`;
    const last = lastDayOf(monthOf(lastDay));
    target = target < first ? first : target > last ? last : target;
    if (monthOf(target) !== month) {
      goTo(monthOf(target), { focus: target });
      return;
    }
    const button = grid.querySelector(`[data-date="${target}"]`);
    for (const other of grid.querySelectorAll(".day")) other.tabIndex = other === button ? 0 : -1;
    button.focus();
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
