// Editors with repeatable rows, and parts of a form shown only for one choice.
//
// Rows: a [data-rows] element holds a [data-row-list], a <template data-row-template> and a
// [data-add-row] button, as direct children; each row ([data-row]) may hold a
// [data-remove-row] button. "__key__" in a template becomes a fresh key, so the names and ids
// of an added row are its own. Containers nest (a date override holds its own hours).
//
// Choices: <el data-shown-when="NAME=VALUE"> is shown only while the form's input NAME (a
// radio group or a select) has VALUE (or one of VALUE|OTHER|...).
//
// Order: a row's [data-move-row="up"] and [data-move-row="down"] buttons swap it with its
// neighbour; rows are posted, and kept, in the order they stand.
let added = 0;

function child(container, selector) {
  return [...container.children].find((el) => el.matches(selector));
}

function addRow(container) {
  const template = child(container, "template[data-row-template]");
  const list = child(container, "[data-row-list]");
  if (!template || !list) return;
  added += 1;
  const key = `n${Date.now().toString(36)}${added}`;
  // A fresh copy of the server's markup, each new row's names and ids made its own.
  const fragment = template.content.cloneNode(true);
  for (const el of fragment.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      if (attr.value.includes("__key__")) attr.value = attr.value.replaceAll("__key__", key);
    }
  }
  const row = fragment.firstElementChild;
  list.append(fragment);
  const first = row && row.querySelector("input:not([type=hidden]), select, textarea");
  if (first) first.focus();
}

function removeRow(button) {
  const row = button.closest("[data-row]");
  if (!row) return;
  const container = row.parentElement.closest("[data-rows]");
  row.remove();
  const add = container && child(container, "[data-add-row]");
  if (add) add.focus();
}

function moveRow(button) {
  const row = button.closest("[data-row]");
  if (!row) return;
  const up = button.dataset.moveRow === "up";
  const other = up ? row.previousElementSibling : row.nextElementSibling;
  if (!other) return;
  if (up) other.before(row);
  else other.after(row);
  button.focus(); // the keyboard stays on the row it moves
}

function current(name) {
  const field = document.querySelector(`[name="${name}"]`);
  if (!field) return null;
  if (field.type === "radio") {
    const checked = document.querySelector(`[name="${name}"]:checked`);
    return checked ? checked.value : null;
  }
  return field.value;
}

function showChosen() {
  for (const part of document.querySelectorAll("[data-shown-when]")) {
    const [name, values] = part.dataset.shownWhen.split("=");
    part.hidden = !values.split("|").includes(current(name));
  }
}

document.addEventListener("click", (event) => {
  const add = event.target.closest("[data-add-row]");
  if (add) {
    event.preventDefault();
    addRow(add.closest("[data-rows]"));
    return;
  }
  const move = event.target.closest("[data-move-row]");
  if (move) {
    event.preventDefault();
    moveRow(move);
    return;
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) {
    event.preventDefault();
    removeRow(remove);
  }
});
document.addEventListener("change", showChosen);
showChosen();
