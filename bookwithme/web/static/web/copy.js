// Copy buttons.
//   <button data-copy="#id">: the text of an input, a textarea or an element, as plain text.
//   <button data-copy-rich="#id-of-a-textarea" data-copy-text="..." data-copy-select="#id">:
//   the HTML written in the textarea as rich text (the clipboard's text/html, which email
//   programs paste as a link), data-copy-text as its plain-text form; when the clipboard is
//   refused, the element data-copy-select names (its rendered preview) is selected and copied.
// When the clipboard is refused, the text is selected for the person to copy themselves.
const labels = new WeakMap();

function done(button) {
  if (!labels.has(button)) labels.set(button, button.textContent);
  const copied = button.dataset.copied || "✓";
  button.textContent = copied;
  const status = document.getElementById("copy-status");
  if (status) status.textContent = copied;
  setTimeout(() => {
    button.textContent = labels.get(button);
    if (status) status.textContent = "";
  }, 1500);
}

function select(target) {
  if (target.select) {
    target.select();
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(target);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
}

async function copyText(button, target) {
  const text = "value" in target ? target.value : target.textContent;
  await navigator.clipboard.writeText(text);
}

async function copyRich(button, source) {
  const html = source.value.trim();
  const text = button.dataset.copyText || html;
  const item = new ClipboardItem({
    "text/html": new Blob([html], { type: "text/html" }),
    "text/plain": new Blob([text], { type: "text/plain" }),
  });
  await navigator.clipboard.write([item]);
}

async function copy(button) {
  const rich = "copyRich" in button.dataset;
  const source = document.querySelector(rich ? button.dataset.copyRich : button.dataset.copy);
  if (!source) return;
  try {
    await (rich ? copyRich(button, source) : copyText(button, source));
  } catch {
    const shown = rich && document.querySelector(button.dataset.copySelect || "");
    select(shown || source);
    // The older way still copies a selection as rich text where the clipboard API is refused.
    if (!document.execCommand || !document.execCommand("copy")) return;
  }
  done(button);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy], [data-copy-rich]");
  if (button) {
    event.preventDefault();
    copy(button);
  }
});
