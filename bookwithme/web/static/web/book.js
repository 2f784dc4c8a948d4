// The meeting type and private link pages: pick a time, then fill in the form and book.

import { formatRange } from "./dates.js";
import { newKey, readStrings, samePath, send } from "./http.js";
import { mountPicker } from "./picker.js";
import { zoneLabel } from "./zonepicker.js";

const strings = readStrings();
const section = document.querySelector("[data-booking]");
const pickStep = section.querySelector("[data-pick-step]");
const pickError = section.querySelector("[data-pick-error]");
const pickerRoot = section.querySelector("[data-picker]");
const form = section.querySelector("[data-book-form]");
const formError = form.querySelector("[data-form-error]");
const submit = form.querySelector("[data-submit]");

let chosen = null;
let sending = false;
let lastBody = "";
let key = "";

// Several lengths: the one chosen (a number of minutes), "" when the type has one length.
const lengths = section.querySelector("[data-lengths]");
const length = () => lengths?.querySelector("input:checked")?.value || "";
// The default length is asked without `duration`: the cached path of the slots route.
const asked = () =>
  length() && length() !== lengths.dataset.default ? { duration: length() } : {};

const picker = mountPicker(pickerRoot, {
  slotsUrl: (from, to, zone) =>
    `${pickerRoot.dataset.slotsUrl}?${new URLSearchParams({ from, to, tz: zone, ...asked() })}`,
  onPick(slot) {
    chosen = slot;
    showForm();
  },
  strings,
});

function showForm() {
  const when = formatRange(new Date(chosen.start), new Date(chosen.end), chosen.zone);
  form.querySelector("[data-chosen-when]").textContent = when;
  const zone = form.querySelector("[data-chosen-zone]");
  zone.textContent = zoneLabel(chosen.zone);
  zone.title = chosen.zone;
  pickError.hidden = true;
  clearErrors();
  pickStep.hidden = true;
  form.hidden = false;
  form.querySelector("#book-title").focus();
}

function showPicker() {
  form.hidden = true;
  pickStep.hidden = false;
  picker.focusChosen();
}

function clearErrors() {
  formError.hidden = true;
  formError.replaceChildren();
  for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
  for (const list of form.querySelectorAll(".errorlist")) {
    list.hidden = true;
    list.replaceChildren();
  }
}

function listOf(messages) {
  const list = document.createElement("ul");
  list.className = "errorlist";
  for (const message of messages) {
    const item = document.createElement("li");
    item.textContent = message;
    list.append(item);
  }
  return list;
}

function showFormError(message, others = []) {
  const text = document.createElement("p");
  text.textContent = message;
  formError.replaceChildren(text, ...(others.length ? [listOf(others)] : []));
  formError.hidden = false;
}

// The API names fields as the body does: name, email, notes, answers.<question id>,
// guests.<n> (said on the one guests field).
function showFieldErrors(message, fields) {
  const others = [];
  let first = null;
  const merged = {};
  for (const [name, messages] of Object.entries(fields)) {
    const key = name.startsWith("guests.") ? "guests" : name;
    merged[key] = [...(merged[key] || []), ...messages];
  }
  for (const [name, messages] of Object.entries(merged)) {
    const input = field(name);
    const list = input && document.getElementById(`${input.id}-errors`);
    if (!list) {
      others.push(...messages);
      continue;
    }
    input.setAttribute("aria-invalid", "true");
    list.replaceChildren(...listOf(messages).children);
    list.hidden = false;
    first = first || input;
  }
  showFormError(message, others);
  (first || formError).focus();
}

const field = (name) => form.elements.namedItem(name);

function body() {
  const answers = {};
  for (const input of form.querySelectorAll('[name^="answers."]')) {
    answers[input.name.slice("answers.".length)] = answerOf(input);
  }
  // The page's language, which Django chose among settings.LANGUAGES (the one list).
  const lang = document.documentElement.lang;
  return {
    start: chosen.start,
    name: field("name").value,
    email: field("email").value,
    time_zone: chosen.zone,
    notes: field("notes").value,
    ...(lang ? { language: lang } : {}),
    answers,
    ...(field("guests") ? { guests: guestsOf(field("guests").value) } : {}),
    ...(length() ? { duration_minutes: Number(length()) } : {}),
    // The type asks consent to its privacy notice: the box, ticked or not (422 unless it is).
    ...(field("consent") ? { consent: field("consent").checked } : {}),
  };
}

// The guests' emails as typed: one a line, or separated by commas, semicolons or spaces.
function guestsOf(text) {
  return text.split(/[\s,;]+/).filter(Boolean);
}

// An answer as the API takes it: the option picked (single choice), the options picked
// (multiple choice: a fieldset of boxes), whether a lone box is ticked, or the text typed.
function answerOf(input) {
  if (input.tagName === "FIELDSET") {
    const picked = [...input.querySelectorAll("input:checked")].map((box) => box.value);
    return input.dataset.kind === "multiple_choice" ? picked : picked[0] || "";
  }
  if (input.type === "checkbox") return input.checked;
  return input.value;
}

function setSending(on) {
  sending = on;
  submit.disabled = on;
  form.setAttribute("aria-busy", String(on));
  if (on) {
    submit.dataset.label = submit.textContent;
    submit.textContent = strings.sending;
  } else if (submit.dataset.label) {
    submit.textContent = submit.dataset.label;
  }
}

async function book(event) {
  event.preventDefault();
  if (sending || !chosen) return;
  const payload = body();
  // The same request keeps its key, so a repeat (a double click, a retry after a lost answer)
  // books once; a changed request is a new one.
  const text = JSON.stringify(payload);
  if (text !== lastBody) {
    lastBody = text;
    key = newKey();
  }
  clearErrors();
  setSending(true);
  let answer;
  try {
    answer = await send(section.dataset.bookUrl, payload, { "Idempotency-Key": key });
  } catch {
    setSending(false);
    showFormError(strings.network);
    return;
  }
  const { status, body: result } = answer;
  if (status === 201) {
    const page = `${samePath(result.manage_url)}?booked=1`;
    if (framed()) showBooked(page, result.status === "pending");
    else window.location.assign(page);
    return;
  }
  setSending(false);
  if (status === 422 && result.fields) {
    showFieldErrors(strings.fix_fields, result.fields);
  } else if (status === 409 && result.error === "slot_unavailable") {
    chosen = null;
    pickError.textContent = result.message || strings.failed;
    pickError.hidden = false;
    showPicker();
    picker.refresh();
  } else if (status === 410 || (status === 404 && result.error === "page_unavailable")) {
    window.location.reload();
  } else {
    showFormError(result.message || strings.failed);
  }
}

// Inside another site's frame: the booking's own page refuses to be framed (its buttons
// cancel and move), so the confirmation is said here, with that page a new tab away.
function framed() {
  return window.self !== window.top;
}

// A booking of a type that needs approval is a request: said so, not "You're booked".
function showBooked(page, requested) {
  const booked = section.querySelector(requested ? "[data-requested]" : "[data-booked]");
  booked.querySelector("[data-booked-when]").textContent = formatRange(
    new Date(chosen.start),
    new Date(chosen.end),
    chosen.zone,
  );
  booked.querySelector("[data-booked-link]").href = page;
  form.hidden = true;
  pickStep.hidden = true;
  booked.hidden = false;
  booked.focus();
}

form.querySelector("[data-change]").addEventListener("click", showPicker);
lengths?.addEventListener("change", () => picker.refresh());
form.addEventListener("submit", book);
