// JSON to and from the API. `send` resolves to {status, body}; a network failure rejects.

export async function send(url, body, headers = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...headers },
    body: JSON.stringify(body),
    credentials: "same-origin",
  });
  const answer = await response.json().catch(() => ({}));
  return { status: response.status, body: answer };
}

// A fresh key per distinct request. randomUUID needs a secure context (https or localhost).
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function readStrings(id = "web-strings") {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

// The page a URL of the API's answer points at, on this origin (the configured base URL may
// differ from the address the visitor came through, e.g. behind a proxy or in a preview).
export function samePath(url) {
  const parsed = new URL(url, window.location.href);
  return parsed.pathname;
}

// Reload the page to let it say what changed (a link expired, a booking was cancelled), but
// only once in a row: should the page still offer what the API refuses, never loop.
const RELOADED = "bookwithme-reloaded";

export function reloadOnce() {
  try {
    if (sessionStorage.getItem(RELOADED) === window.location.pathname) return false;
    sessionStorage.setItem(RELOADED, window.location.pathname);
  } catch {
    return false; // no storage (a sandboxed frame): better a message than a loop
  }
  window.location.reload();
  return true;
}

export function settled() {
  try {
    sessionStorage.removeItem(RELOADED);
  } catch {
    // nothing was stored
  }
}
