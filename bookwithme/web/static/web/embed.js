/* bookwithme on your website: one script, no build step, nothing fetched from elsewhere.
 *
 *   <a href="https://book.example.org/alex" data-bookwithme="inline">Book time with Alex</a>
 *   <a href="https://book.example.org/alex" data-bookwithme="popup">Book time with Alex</a>
 *   <a href="https://book.example.org/alex" data-bookwithme="float">Book a meeting</a>
 *   <script src="https://book.example.org/static/web/embed.js" defer></script>
 *
 * inline  the link becomes the booking page, in a frame as tall as the page's content.
 * popup   the link opens the booking page in a dialog over yours; Escape, the close button or
 *         a click beside it closes it, and the focus goes back to the link.
 * float   the same, from a button fixed in a corner of the window (data-position="left" for
 *         the bottom left; data-color="#1a5fb4" for its colour, white text on it).
 * Without JavaScript each stays a plain link to the page. data-title names the frame for
 * screen readers (the link's text otherwise); data-close-label the close button.
 *
 * The booking page, loaded with ?embed=1, has no header or footer and posts its height to
 * this window (embedded.js); a height is believed only from a frame this script made and only
 * from the origin that frame loaded. Styles are set through the DOM, never as a <style>
 * element or a style attribute, so a site whose CSP forbids inline styles can use it.
 */
(() => {
  "use strict";
  if (window.bookwithmeEmbed) return;
  window.bookwithmeEmbed = true;

  const frames = []; // {frame, origin, close}

  function pageUrl(link) {
    const url = new URL(link.getAttribute("href"), document.baseURI);
    url.searchParams.set("embed", "1");
    return url;
  }

  function makeFrame(link, close) {
    const url = pageUrl(link);
    const frame = document.createElement("iframe");
    frame.src = url.href;
    frame.title = link.dataset.title || link.textContent.trim() || "Booking page";
    Object.assign(frame.style, {
      display: "block",
      width: "100%",
      minWidth: "0",
      height: "600px",
      border: "0",
      colorScheme: "light",
    });
    frames.push({ frame, origin: url.origin, close });
    return frame;
  }

  function forget(frame) {
    const at = frames.findIndex((entry) => entry.frame === frame);
    if (at >= 0) frames.splice(at, 1);
  }

  window.addEventListener("message", (event) => {
    const entry = frames.find((e) => e.frame.contentWindow === event.source);
    if (!entry || event.origin !== entry.origin) return;
    const data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.bookwithme === "height" && Number.isFinite(data.height)) {
      const height = Math.min(Math.max(Math.ceil(data.height), 150), 20000);
      entry.frame.style.height = `${height}px`;
    } else if (data.bookwithme === "close" && entry.close) {
      entry.close();
    }
  });

  // --- inline ------------------------------------------------------------------------------

  function inline(link) {
    link.replaceWith(makeFrame(link, null));
  }

  // --- pop-up ------------------------------------------------------------------------------

  function closeLabel(link) {
    if (link.dataset.closeLabel) return link.dataset.closeLabel;
    return (document.documentElement.lang || "").toLowerCase().startsWith("fr")
      ? "Fermer"
      : "Close";
  }

  function openDialog(link) {
    // The dialog covers the window and dims it; the panel inside holds the page.
    const dialog = document.createElement("dialog");
    dialog.setAttribute("aria-label", link.dataset.title || link.textContent.trim());
    dialog.dataset.bookwithmeDialog = "";
    Object.assign(dialog.style, {
      width: "100vw",
      height: "100vh",
      maxWidth: "none",
      maxHeight: "none",
      margin: "0",
      padding: "16px",
      border: "0",
      boxSizing: "border-box",
      background: "rgba(16, 24, 40, 0.6)",
      overflow: "auto",
    });
    const panel = document.createElement("div");
    Object.assign(panel.style, {
      width: "min(720px, 100%)",
      margin: "0 auto",
      background: "#ffffff",
      borderRadius: "12px",
      boxShadow: "0 10px 30px rgba(16, 24, 40, 0.35)",
      overflow: "hidden",
    });
    // A bar of its own for the close button, so it never covers the page.
    const bar = document.createElement("div");
    Object.assign(bar.style, {
      display: "flex",
      justifyContent: "flex-end",
      padding: "8px 8px 0",
      background: "#ffffff",
    });
    const close = document.createElement("button");
    close.type = "button";
    close.textContent = "×";
    close.setAttribute("aria-label", closeLabel(link));
    Object.assign(close.style, {
      width: "40px",
      height: "40px",
      border: "1px solid #b9c0c9",
      borderRadius: "50%",
      background: "#ffffff",
      color: "#1b1f24",
      font: "24px/1 system-ui, sans-serif",
      cursor: "pointer",
    });
    bar.append(close);
    const shut = () => dialog.close();
    const frame = makeFrame(link, shut);
    panel.append(bar, frame);
    dialog.append(panel);
    close.addEventListener("click", shut);
    // A click on the dimmed window around the panel closes it too.
    dialog.addEventListener("click", (event) => {
      if (event.target === dialog) shut();
    });
    dialog.addEventListener("close", () => {
      forget(frame);
      dialog.remove();
      link.focus();
    });
    document.body.append(dialog);
    dialog.showModal();
    close.focus();
  }

  function popup(link) {
    link.setAttribute("aria-haspopup", "dialog");
    link.addEventListener("click", (event) => {
      // A new tab or window asked for (a modifier, the middle button): the plain link.
      if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) {
        return;
      }
      event.preventDefault();
      openDialog(link);
    });
  }

  // --- floating button ---------------------------------------------------------------------

  function float(link) {
    const left = link.dataset.position === "left";
    Object.assign(link.style, {
      position: "fixed",
      bottom: "20px",
      [left ? "left" : "right"]: "20px",
      zIndex: "2147483000",
      display: "inline-block",
      padding: "12px 20px",
      borderRadius: "999px",
      background: link.dataset.color || "#3b4fd8",
      color: "#ffffff",
      font: "600 16px/1.25 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif",
      textDecoration: "none",
      boxShadow: "0 4px 14px rgba(16, 24, 40, 0.3)",
    });
    popup(link);
  }

  const VARIANTS = { inline, popup, float };

  function start() {
    for (const link of document.querySelectorAll("a[data-bookwithme][href]")) {
      const variant = VARIANTS[link.dataset.bookwithme];
      if (!variant || link.dataset.bookwithmeReady) continue;
      link.dataset.bookwithmeReady = "1";
      variant(link);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
