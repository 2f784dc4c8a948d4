// Copy buttons: <button data-copy="#id-of-input-or-element">. Falls back to selecting the text.
const labels = new WeakMap();

async function copy(button) {
  const target = document.querySelector(button.dataset.copy);
  if (!target) return;
  const text = "value" in target ? target.value : target.textContent;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    if (target.select) target.select();
    return;
  }
  if (!labels.has(button)) labels.set(button, button.textContent);
  button.textContent = button.dataset.copied || "✓";
  setTimeout(() => { button.textContent = labels.get(button); }, 1500);
}

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (button) {
    event.preventDefault();
    copy(button);
  }
});
