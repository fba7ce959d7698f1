// Building the page from data without innerHTML: every text goes in as a text node.

/** h("a", {href: "#/x", class: "c"}, "text", child…) → an element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** A status as a coloured pill; the class names the state, the text says it. */
export function pill(state) {
  return h("span", { class: `pill state-${state ?? "none"}`, "data-state": state ?? "" }, state ?? "–");
}

/** "2026-12-04T10:15:02.123Z" → "2026-12-04 10:15:02" (UTC, as stored). */
export function when(timestamp) {
  return timestamp ? timestamp.replace("T", " ").replace(/\.\d+Z$|Z$/, "") : "–";
}

/** "subnet-a, subnet-b subnet-c" → ["subnet-a", "subnet-b", "subnet-c"]. */
export function idList(text) {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** A checkbox per PrivateLink service of a site (ids `${idPrefix}${service}`), ticked when in `ticked`. */
export function serviceChoices(site, idPrefix, ticked = []) {
  return (site?.services ?? []).filter((s) => s.service_name).map((s) =>
    h("label", { class: "service" }, h("input", { type: "checkbox", name: "service", id: `${idPrefix}${s.id}`, value: s.id, checked: ticked.includes(s.id) }),
      ` ${s.display_name} `, h("small", { class: "mono muted" }, s.hostname)));
}

/** Calls fn at most once per `ms`, with the latest arguments (for bursts of events). */
export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** Asks with the page's <dialog>; resolves true when confirmed. */
export function confirmDialog(text) {
  const dialog = document.getElementById("confirm");
  fill(document.getElementById("confirm-text"), text);
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}
