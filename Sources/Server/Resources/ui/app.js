// The dashboard's shell: who is calling (GET /v1/me), the token prompt when tokens are on, the
// hash router, and one live event stream whose transitions every page may listen to.
import { followEvents, get, token } from "./api.js";
import { fill, h } from "./dom.js";
import { setupsPage } from "./setups.js";
import { setupPage } from "./setup.js";
import { newSetupPage } from "./new-setup.js";

const main = document.getElementById("app");
const roleRank = { reader: 1, operator: 2, admin: 3 };

/** What every page gets: the caller, a role check, and a way to hear transitions. */
const session = {
  me: null,
  may(role) {
    return roleRank[this.me?.role] >= roleRank[role];
  },
  listeners: new Set(),
  /** Calls fn(transition) for each new event until the page changes. */
  onEvent(fn) {
    this.listeners.add(fn);
  },
};

let stopStream = null;

function tokenPrompt(message) {
  const input = h("input", { id: "token-input", type: "password", autocomplete: "off", placeholder: "plk_…", size: 60 });
  const error = h("p", { id: "token-error", class: "error" }, message ?? "");
  const form = h(
    "form",
    {
      id: "token-form",
      class: "card narrow",
      onsubmit: async (event) => {
        event.preventDefault();
        token.set(input.value.trim());
        await start();
      },
    },
    h("h1", {}, "Sign in with an API token"),
    h("p", {}, "This privatelinkd requires a token (", h("code", {}, "privatelinkd token create"), "). It is kept in this tab only."),
    input,
    h("button", { type: "submit" }, "Use token"),
    error,
  );
  fill(main, form);
  input.focus();
}

async function start() {
  session.me = null;
  try {
    session.me = await get("/v1/me");
  } catch (error) {
    if (error.status === 401) {
      const hadToken = token.get() !== null;
      token.clear();
      tokenPrompt(hadToken ? `The token was refused: ${error.message}` : "");
      return;
    }
    fill(main, h("p", { class: "error" }, `The server answered: ${error.message}`));
    return;
  }
  const me = session.me;
  fill(document.getElementById("whoami"), me.actor, " · ", h("span", { id: "role" }, me.role), me.team ? ` · team ${me.team}` : "");
  document.getElementById("nav-new").hidden = !session.may("operator");
  document.getElementById("sign-out").hidden = me.auth !== "tokens";
  stopStream?.();
  stopStream = followEvents(
    (event) => session.listeners.forEach((fn) => fn(event)),
    (state) => {
      const live = document.getElementById("live");
      live.textContent = state;
      live.dataset.state = state;
    },
  );
  route();
}

function route() {
  session.listeners.clear();
  const hash = location.hash || "#/setups";
  const setup = hash.match(/^#\/setups\/([A-Za-z0-9_]+)$/);
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("current", hash.startsWith(link.getAttribute("href")));
  if (setup) setupPage(main, session, setup[1]);
  else if (hash === "#/new") newSetupPage(main, session);
  else setupsPage(main, session, new URLSearchParams(hash.split("?")[1] ?? ""));
}

window.addEventListener("hashchange", () => session.me && route());
window.addEventListener("unauthenticated", () => {
  if (!session.me) return; // start() is asking, and answers itself
  session.me = null;
  token.clear();
  stopStream?.();
  tokenPrompt("The token is no longer accepted (revoked or expired).");
});
document.getElementById("sign-out").addEventListener("click", () => {
  token.clear();
  location.reload();
});
start();
