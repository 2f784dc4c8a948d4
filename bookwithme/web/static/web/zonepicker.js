// The searchable time-zone list, shared by the visitor's picker (picker.js) and the
// organizer's profile (a form's select, made searchable by mountZoneSelect):
//
//   zoneChooser(field, { initial, onChange, strings })   the ARIA combobox in `field`
//   zoneLabel(id)                                        "Toronto (Eastern Time)"
//
// The zones come from the page (web/zones.py, json_script "web-zones"): current names only,
// old ones mapped to them, searchable by city, country or zone name, without accents.

import { detectedZone, formatTime, offsetLabel, offsetMinutes } from "./dates.js";
import { readStrings } from "./http.js";

// Letters without their accents, lower case: "Montréal" and "montreal" read alike.
function folded(text) {
  return text.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();
}

let known = null;

// The rows of web/zones.py (json_script "web-zones") as objects, each current zone once,
// reachable by its old names too (Chromium still says Asia/Calcutta). Read once a page.
export function readZones() {
  if (known) return known;
  const data = readStrings("web-zones");
  const names = data.names || [];
  const zones = (data.zones || []).map(([id, city, name, country, others, old]) => ({
    id, city, name: names[name] || "", country, others, old,
    words: folded([city, names[name] || "", country, id.replace(/[/_]/g, " ")].join(" ")),
    otherWords: folded(others.join(" ")),
  }));
  const byId = new Map();
  for (const zone of zones) {
    byId.set(zone.id, zone);
    for (const old of zone.old) byId.set(old, zone);
  }
  known = { zones, byId };
  return known;
}

function labelOf(zone) {
  return zone.name ? `${zone.city} (${zone.name})` : zone.city;
}

// A zone as the list names it, "Toronto (Eastern Time)", an old name as its current one; a
// zone the list does not hold (or a page without the list) by its id.
export function zoneLabel(id) {
  const zone = readZones().byId.get(id);
  return zone ? labelOf(zone) : id.replaceAll("_", " ");
}

// The combobox of web/zone_combo.html: type to filter by city, country or zone name, arrows
// and Enter to pick, Escape to leave it as it was. onChange(id) gets the current name of a
// zone; the chosen id is kept in the field's [data-zone] (a hidden input, or a form's select).
export function zoneChooser(field, { initial, onChange, strings }) {
  const input = field.querySelector("[data-zone-input]");
  const listbox = field.querySelector("[data-zone-list]");
  const hidden = field.querySelector("[data-zone]");
  const now = field.querySelector("[data-zone-now]");
  const status = field.querySelector("[data-zone-status]");
  const { zones, byId } = readZones();
  const detected = byId.get(detectedZone());
  let chosen = byId.get(initial) || { id: initial, city: initial.replaceAll("_", " "), name: "", others: [], old: [] };
  let shown = []; // [zone, the city that matched]
  let active = -1;
  let offsets = null;

  function describe(zone) {
    return `${offsetLabel(zone.id)} · ${formatTime(new Date(), zone.id)}`;
  }

  function showChosen() {
    hidden.value = chosen.id;
    input.value = labelOf(chosen);
    now.textContent = (strings.zone_now || "%(time)s (%(offset)s)")
      .replace("%(time)s", formatTime(new Date(), chosen.id))
      .replace("%(offset)s", offsetLabel(chosen.id));
  }

  // Detected zone first, then by offset, west to east, then by city.
  function ordered(list) {
    offsets = offsets || new Map(zones.map((z) => [z.id, offsetMinutes(z.id)]));
    const rest = list.filter((z) => z !== detected)
      .sort((a, b) => offsets.get(a.id) - offsets.get(b.id) || a.city.localeCompare(b.city));
    return list.includes(detected) ? [detected, ...rest] : rest;
  }

  function matches(query) {
    const words = folded(query).split(/[\s,]+/).filter(Boolean);
    if (!words.length) return ordered(zones).map((z) => [z, ""]);
    const found = [];
    for (const zone of ordered(zones)) {
      if (words.every((w) => zone.words.includes(w))) found.push([zone, ""]);
      else if (words.every((w) => zone.words.includes(w) || zone.otherWords.includes(w))) {
        const city = zone.others.find((c) => words.some((w) => folded(c).includes(w)));
        found.push([zone, city || ""]);
      }
    }
    // Cities starting with what was typed come first.
    const starts = ([z, via]) => folded(via || z.city).startsWith(words[0]) ? 0 : 1;
    return found.map((row, i) => [row, i]).sort((a, b) => starts(a[0]) - starts(b[0]) || a[1] - b[1])
      .map(([row]) => row);
  }

  function render() {
    listbox.replaceChildren(...shown.map(([zone, via], i) => {
      const option = document.createElement("li");
      option.id = `${listbox.id}-option-${i}`;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", String(i === active));
      option.dataset.zone = zone.id;
      const city = document.createElement("span");
      city.className = "zone-city";
      city.textContent = via ? `${via} (${zone.city})` : zone.city;
      if (zone === detected) city.textContent += ` · ${strings.zone_detected}`;
      const meta = document.createElement("span");
      meta.className = "zone-meta";
      meta.textContent = [zone.name, zone.country, describe(zone)].filter(Boolean).join(" · ");
      option.append(city, " ", meta);
      return option;
    }));
    status.textContent = shown.length ? strings.zones_found.replace("%(count)s", shown.length) : strings.no_zone;
    setActive(active);
  }

  function setActive(index) {
    active = Math.max(-1, Math.min(index, shown.length - 1));
    for (const option of listbox.children) {
      option.setAttribute("aria-selected", String(option.id === `${listbox.id}-option-${active}`));
    }
    const option = active >= 0 ? listbox.children[active] : null;
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function openWith(query) {
    shown = matches(query);
    active = shown.length ? 0 : -1;
    if (!query) active = Math.max(0, shown.findIndex(([z]) => z === chosen));
    render();
    listbox.hidden = !shown.length;
    input.setAttribute("aria-expanded", String(!listbox.hidden));
  }

  function close({ restore = true } = {}) {
    listbox.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    if (restore) showChosen();
  }

  function choose(zone) {
    const changed = zone.id !== chosen.id;
    chosen = zone;
    close();
    if (changed) onChange(zone.id);
  }

  input.addEventListener("input", () => openWith(input.value));
  input.addEventListener("click", () => {
    if (listbox.hidden) {
      input.select();
      openWith("");
    }
  });
  input.addEventListener("keydown", (event) => {
    const open = !listbox.hidden;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!open) return openWith(input.value === labelOf(chosen) ? "" : input.value);
      setActive(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && open) {
      event.preventDefault();
      if (active >= 0) choose(shown[active][0]);
    } else if (event.key === "Escape" && open) {
      event.preventDefault();
      close();
    } else if ((event.key === "Home" || event.key === "End") && open && event.ctrlKey) {
      event.preventDefault();
      setActive(event.key === "Home" ? 0 : shown.length - 1);
    }
  });
  input.addEventListener("blur", () => close());
  // Pressed with the mouse: keep the focus in the field, so blur does not close it first.
  listbox.addEventListener("mousedown", (event) => event.preventDefault());
  listbox.addEventListener("click", (event) => {
    const option = event.target.closest("[role=option]");
    if (option) choose(byId.get(option.dataset.zone));
  });

  showChosen();
  return {
    set(id) {
      chosen = byId.get(id) || chosen;
      showChosen();
    },
    refresh: showChosen,
  };
}

// A form's zone select (web/app/zone_widget.html) made the searchable list: the select stays
// the form's value, hidden; its label, help and error now describe the combobox.
export function mountZoneSelect(field) {
  const select = field.querySelector("select[data-zone]");
  const combo = field.querySelector("[data-zone-combo]");
  const input = field.querySelector("[data-zone-input]");
  const label = select.labels[0];
  if (label) {
    label.id = label.id || `${select.id}-label`;
    label.htmlFor = input.id;
    select.setAttribute("aria-labelledby", label.id); // hidden, still named
    field.querySelector("[data-zone-list]").setAttribute("aria-labelledby", label.id);
  }
  const described = [select.getAttribute("aria-describedby"), input.getAttribute("aria-describedby")];
  input.setAttribute("aria-describedby", described.filter(Boolean).join(" "));
  if (select.getAttribute("aria-invalid")) input.setAttribute("aria-invalid", select.getAttribute("aria-invalid"));
  select.hidden = true;
  combo.hidden = false;
  return zoneChooser(field, {
    initial: select.value,
    onChange() {},
    strings: readStrings(field.dataset.stringsId),
  });
}
