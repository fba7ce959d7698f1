// The dashboard's only way to the server: the public /v1 API, with the bearer token when one is set.

const TOKEN_KEY = "privatelinkd.token";

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** An error answer: status, the stable `code`, the message and field-level details. */
export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = error?.code ?? "http_error";
    this.details = error?.details ?? [];
  }
}

function headers(extra = {}) {
  const all = { Accept: "application/json", ...extra };
  const secret = token.get();
  if (secret) all.Authorization = `Bearer ${secret}`;
  return all;
}

/** Calls the API; resolves to { body, response } or throws ApiError. */
export async function api(method, path, body, extraHeaders = {}) {
  const init = { method, headers: headers(extraHeaders) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] ??= "application/json";
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!response.ok) {
    const error = new ApiError(response.status, json?.error);
    if (response.status === 401) window.dispatchEvent(new CustomEvent("unauthenticated", { detail: error }));
    throw error;
  }
  return { body: json, response };
}

export const get = (path) => api("GET", path).then((r) => r.body);

/**
 * Follows GET /v1/events/stream (Server-Sent Events) with fetch, which can send the token
 * (EventSource cannot set headers). Reconnects after a drop, resuming with Last-Event-ID, so no
 * event is missed or repeated. Calls onEvent(transition) per event and onState("live"|"offline").
 */
export function followEvents(onEvent, onState) {
  let lastID = null;
  let stopped = false;
  let controller = null;

  async function connect() {
    controller = new AbortController();
    const extra = { Accept: "text/event-stream" };
    if (lastID !== null) extra["Last-Event-ID"] = String(lastID);
    const response = await fetch("/v1/events/stream", { headers: headers(extra), signal: controller.signal });
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    onState("live");
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let id = null;
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("id:")) id = line.slice(3).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (id !== null) lastID = id;
        if (data) onEvent(JSON.parse(data));
      }
    }
  }

  (async () => {
    let delay = 1000;
    while (!stopped) {
      try {
        await connect();
        delay = 1000;
      } catch {
        delay = Math.min(delay * 2, 15000);
      }
      if (stopped) break;
      onState("offline");
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  })();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

/** A text answer (the Agent configuration as yaml or env). */
export async function getText(path) {
  const response = await fetch(path, { headers: headers({ Accept: "*/*" }) });
  const text = await response.text();
  if (!response.ok) {
    let error = null;
    try {
      error = JSON.parse(text).error;
    } catch {
      error = null;
    }
    throw new ApiError(response.status, error);
  }
  return text;
}
