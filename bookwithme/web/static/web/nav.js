// At phone width the app's nav scrolls sideways: bring the current page's item into view.
const current = document.querySelector(".app-nav [aria-current='page']");
if (current && current.parentElement.scrollWidth > current.parentElement.clientWidth) {
  current.scrollIntoView({ block: "nearest", inline: "center" });
}
