// The app's nav at phone width: a "Menu" button that opens and closes the list of pages
// (aria-expanded says which). Without this script the list simply wraps, every item shown.
const nav = document.querySelector(".app-nav");
const toggle = nav && nav.querySelector(".nav-toggle");

function setOpen(open) {
  toggle.setAttribute("aria-expanded", String(open));
  nav.classList.toggle("open", open);
}

if (toggle) {
  toggle.hidden = false;
  nav.classList.add("has-menu");
  toggle.addEventListener("click", () => {
    setOpen(toggle.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && nav.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (nav.classList.contains("open") && !nav.contains(event.target)) setOpen(false);
  });
}
