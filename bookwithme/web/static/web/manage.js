// The manage page: the time in the visitor's own zone, and moving or cancelling the booking.

import { detectedZone, formatRange, onHourCycle, usePatterns } from "./dates.js";
import { readStrings, send } from "./http.js";
import { mountPicker } from "./picker.js";
import { zoneLabel } from "./zonepicker.js";

const strings = readStrings();
const page = document.querySelector("[data-manage]");
usePatterns(strings);

// The booking's time in the visitor's current zone, when it is not the attendee's.
function showLocalTime() {
  const local = page.querySelector("[data-local]");
  const zone = detectedZone();
  if (!local || !zone || zone === local.dataset.zone) return;
  const when = formatRange(new Date(local.dataset.start), new Date(local.dataset.end), zone);
  const named = local.querySelector("[data-local-zone]");
  named.textContent = zoneLabel(zone);
  named.title = zone;
  local.querySelector("[data-local-when]").textContent = when;
  local.hidden = false;
}

function reloadWith(flag) {
  window.location.assign(`${window.location.pathname}?${flag}=1`);
}

function showError(element, message) {
  element.textContent = message;
  element.hidden = false;
  element.focus();
}

// Buttons that open a panel (aria-expanded), one panel at a time.
const toggles = [...page.querySelectorAll("[data-opens]")];

function open(button, opened) {
  const panel = document.getElementById(button.dataset.opens);
  button.setAttribute("aria-expanded", String(opened));
  panel.hidden = !opened;
  if (opened) {
    for (const other of toggles) if (other !== button) open(other, false);
    panel.dispatchEvent(new Event("panel-open"));
    panel.querySelector("h2").focus();
  }
}

for (const button of toggles) {
  button.addEventListener("click", () => open(button, button.getAttribute("aria-expanded") !== "true"));
}

function closeButtonFor(panel) {
  return toggles.find((b) => b.dataset.opens === panel.id);
}

// --- moving -------------------------------------------------------------------------------

function setUpReschedule(panel) {
  const pickerRoot = panel.querySelector("[data-picker]");
  const confirm = panel.querySelector("[data-move-confirm]");
  const moveButton = panel.querySelector("[data-move]");
  const error = panel.querySelector("[data-move-error]");
  let picker = null;
  let chosen = null;
  let sending = false;

  panel.addEventListener("panel-open", () => {
    // Times are fetched only once the attendee asks to move.
    picker = picker || mountPicker(pickerRoot, {
      slotsUrl: (from, to, zone) =>
        `${pickerRoot.dataset.slotsUrl}?${new URLSearchParams({ from, to, tz: zone })}`,
      onPick(slot) {
        chosen = slot;
        error.hidden = true;
        confirm.querySelector("[data-move-when]").textContent =
          formatRange(new Date(slot.start), new Date(slot.end), slot.zone);
        const zone = confirm.querySelector("[data-move-zone]");
        zone.textContent = zoneLabel(slot.zone);
        zone.title = slot.zone;
        confirm.hidden = false;
        moveButton.focus();
      },
      strings,
    });
  });

  panel.querySelector("[data-move-back]").addEventListener("click", () => {
    confirm.hidden = true;
    chosen = null;
    picker.focusChosen();
  });

  moveButton.addEventListener("click", async () => {
    if (sending || !chosen) return;
    sending = true;
    moveButton.disabled = true;
    const label = moveButton.textContent;
    moveButton.textContent = strings.moving;
    let answer;
    try {
      answer = await send(panel.dataset.rescheduleUrl, { start: chosen.start });
    } catch {
      answer = null;
    }
    if (answer && answer.status === 200) {
      reloadWith("moved");
      return;
    }
    sending = false;
    moveButton.disabled = false;
    moveButton.textContent = label;
    if (!answer) {
      showError(error, strings.network);
    } else if (answer.status === 409 && answer.body.error === "slot_unavailable") {
      confirm.hidden = true;
      chosen = null;
      showError(error, answer.body.message || strings.failed);
      picker.refresh();
    } else if (answer.status === 409 || answer.status === 404) {
      window.location.reload(); // cancelled meanwhile, or gone: the page says so
    } else {
      showError(error, answer.body.message || strings.failed);
    }
  });
}

// --- cancelling ---------------------------------------------------------------------------

function setUpCancel(panel) {
  const form = panel.querySelector("form");
  const submit = form.querySelector("[type=submit]");
  const error = panel.querySelector("[data-cancel-error]");
  let sending = false;

  panel.querySelector("[data-cancel-keep]").addEventListener("click", () => {
    const button = closeButtonFor(panel);
    open(button, false);
    button.focus();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (sending) return;
    sending = true;
    submit.disabled = true;
    const label = submit.textContent;
    submit.textContent = strings.cancelling;
    let answer;
    try {
      answer = await send(panel.dataset.cancelUrl, { reason: form.elements.reason.value });
    } catch {
      answer = null;
    }
    if (answer && (answer.status === 200 || answer.body.error === "booking_cancelled")) {
      reloadWith("cancelled");
      return;
    }
    sending = false;
    submit.disabled = false;
    submit.textContent = label;
    const reason = answer?.body.fields?.reason;
    let message = strings.network;
    if (answer) message = reason ? reason.join(" ") : answer.body.message || strings.failed;
    showError(error, message);
  });
}

showLocalTime();
onHourCycle(showLocalTime);
const reschedule = page.querySelector("[data-reschedule-url]");
if (reschedule) setUpReschedule(reschedule);
const cancel = page.querySelector("[data-cancel-url]");
if (cancel) setUpCancel(cancel);
