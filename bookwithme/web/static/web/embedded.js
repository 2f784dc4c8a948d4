// A booking page inside another site's frame (`?embed=1`, see embed.js): tells the framing
// page this page's height each time it changes, so the frame grows and shrinks with it and
// never shows a scroll bar of its own; and passes Escape on, to close a pop-up it is shown in.
// Only a height and a wish to close are sent, nothing about the visitor: any page may read
// them, and embed.js believes them only from the frame it made, at the origin it loaded.
const host = window.parent;

if (host && host !== window) {
  let told = 0;
  const tell = () => {
    const height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === told) return;
    told = height;
    host.postMessage({ bookwithme: "height", height }, "*");
  };
  new ResizeObserver(tell).observe(document.documentElement);
  window.addEventListener("load", tell);
  tell();

  // A control that used Escape itself (the time-zone list closing) has prevented its default.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) {
      host.postMessage({ bookwithme: "close" }, "*");
    }
  });
}
