// One setup: its endpoints, the plan's steps, the timeline, the latest verification, the Agent
// configuration, and the actions the caller's role allows; refreshed live by its transitions.
import { api, get, getText } from "./api.js";
import { confirmDialog, debounce, fill, h, pill, when } from "./dom.js";
import { editSetup } from "./edit-setup.js";
import { renderSpokes } from "./spokes.js";

export async function setupPage(main, session, id) {
  const sections = {
    head: h("section", { id: "setup-head" }),
    actions: h("div", { id: "actions", class: "actions" }),
    notice: h("p", { id: "action-result", class: "notice", role: "status" }),
    edit: h("section", { id: "edit" }),
    endpoints: h("section", { id: "endpoints" }),
    spokes: h("section", { id: "spokes" }),
    steps: h("section", { id: "steps" }),
    verification: h("section", { id: "verification" }),
    agent: h("section", { id: "agent-config" }),
    timeline: h("section", { id: "timeline" }),
  };
  fill(main, Object.values(sections));
  let agentFormat = "yaml";
  let etag = null; // of the setup as last shown: a change is made against it
  let editing = false;

  async function load() {
    let detail;
    let events;
    try {
      const [shown, history] = await Promise.all([api("GET", `/v1/setups/${id}`), get(`/v1/setups/${id}/events`)]);
      [detail, events, etag] = [shown.body, history, shown.response.headers.get("ETag")];
    } catch (error) {
      fill(main, h("h1", {}, "Setup"), h("p", { class: "error", id: "setup-error" }, `${error.code}: ${error.message}`));
      return;
    }
    renderHead(detail);
    renderActions(detail);
    renderEndpoints(detail);
    await renderSpokes(sections.spokes, detail, session, sections.notice);
    renderSteps(detail);
    await renderVerification(detail);
    renderTimeline(events.events ?? events);
    await renderAgent();
  }

  function renderHead(setup) {
    fill(sections.head,
      h("h1", {}, "Setup ", h("span", { class: "mono" }, setup.id), " ", h("span", { id: "setup-status" }, pill(setup.status))),
      h("dl", { class: "facts" },
        fact("Site", setup.site), fact("Mode", setup.mode), fact("Region", setup.region), fact("VPC", setup.vpc_id),
        fact("Services", setup.services.join(", ")), fact("Current step", h("span", { id: "current-step", class: "mono" }, setup.current_step ?? "–")),
        fact("Created by", setup.created_by ?? "–"), fact("Last change", when(setup.updated_at))),
      setup.error ? h("p", { class: "error", id: "setup-failure" }, h("code", {}, setup.error.code), " ", setup.error.message) : null);
  }

  function renderActions(setup) {
    const buttons = [];
    const act = (label, method, path, confirmText) =>
      h("button", {
        type: "button", id: `action-${label.toLowerCase()}`, class: method === "DELETE" ? "danger" : "",
        onclick: async () => {
          if (confirmText && !(await confirmDialog(confirmText))) return;
          try {
            await api(method, path);
            fill(sections.notice, `${label}: accepted`);
          } catch (error) {
            fill(sections.notice, h("span", { class: "error" }, `${label}: ${error.code}: ${error.message}`));
          }
          load();
        },
      }, label);
    const live = !["deleting", "deleted"].includes(setup.status);
    if (session.may("operator") && setup.status === "failed") buttons.push(act("Retry", "POST", `/v1/setups/${id}/retry`));
    if (session.may("operator") && ["ready", "degraded"].includes(setup.status)) {
      buttons.push(act("Verify", "POST", `/v1/setups/${id}/verify`));
      buttons.push(act("Reconcile", "POST", `/v1/setups/${id}/reconcile`));
    }
    if (session.may("operator") && ["ready", "degraded", "failed"].includes(setup.status) && !editing) {
      buttons.push(h("button", { type: "button", id: "action-edit", onclick: () => {
        editing = true;
        renderActions(setup);
        editSetup(sections.edit, setup, () => etag, (applied) => {
          editing = false;
          fill(sections.edit);
          if (applied) fill(sections.notice, "Change: accepted");
          load();
        });
      } }, "Edit"));
    }
    if (session.may("admin") && live) {
      buttons.push(act("Delete", "DELETE", `/v1/setups/${id}`, `Delete setup ${id}? Its endpoints that privatelinkd created are deleted in AWS; Agents lose this path to Datadog.`));
    }
    fill(sections.actions, buttons);
  }

  function renderEndpoints(setup) {
    fill(sections.endpoints, h("h2", {}, "Endpoints"),
      h("table", { class: "grid" },
        h("thead", {}, h("tr", {}, ["Services", "VPC endpoint", "State", "Private DNS name", "Service name", "Note"].map((t) => h("th", {}, t)))),
        h("tbody", {}, setup.endpoints.map((e) =>
          h("tr", { "data-endpoint": e.id },
            h("td", {}, e.services.join(", ")), h("td", { class: "mono" }, e.vpc_endpoint_id ?? "–"),
            h("td", { class: "endpoint-state" }, pill(e.state)), h("td", { class: "mono" }, e.private_dns_name),
            h("td", { class: "mono small" }, e.service_name),
            h("td", {}, [e.adopted ? "adopted" : "", e.last_error ?? ""].filter(Boolean).join(" · ")))))));
  }

  function renderSteps(setup) {
    const job = [...(setup.jobs ?? [])].reverse().find((j) => !["verify", "add_spoke", "remove_spoke"].includes(j.kind)); // the newest plan of the setup itself
    if (!job) return fill(sections.steps);
    fill(sections.steps, h("h2", {}, "Plan ", h("span", { class: "muted" }, `(${job.kind} job, ${job.state})`)),
      h("ol", { class: "steps", id: "plan-steps" }, job.steps.map((step, index) => {
        const state = index < job.completed_steps ? "done" : step === job.current_step && job.state !== "succeeded" ? "current" : "todo";
        return h("li", { class: `step-${state}`, "data-step": step }, h("span", { class: "mono" }, step), state === "current" ? " ← now" : "");
      })));
  }

  let lastFinished = null; // the newest finished run with its results, shown while a new one runs

  async function renderVerification(setup) {
    const run = setup.latest_verification;
    const heading = h("h2", {}, "Verification");
    if (!run) return fill(sections.verification, heading, h("p", { class: "muted" }, "Not verified yet."));
    if (run.passed !== null && lastFinished?.id !== run.id) lastFinished = await get(run.links.self).catch(() => null);
    const summary = (r) => [pill(r.state), ` ${r.trigger} by ${r.requested_by}, `, when(r.finished_at ?? r.created_at),
      r.checks_total !== null ? ` · ${r.checks_passed} of ${r.checks_total} names passed` : ""];
    const shown = lastFinished && lastFinished.setup_id === id ? lastFinished : null;
    fill(sections.verification, heading,
      h("p", { id: "verification-summary" }, summary(run)),
      shown && shown.id !== run.id ? h("p", { class: "muted" }, "Results of the previous run, until this one ends:") : null,
      shown ? h("table", { class: "grid", id: "verification-results" },
        h("thead", {}, h("tr", {}, ["Name", "Result", "Code", "What it means"].map((t) => h("th", {}, t)))),
        h("tbody", {}, (shown.results ?? []).map((r) =>
          h("tr", { "data-hostname": r.hostname },
            h("td", { class: "mono" }, r.hostname), h("td", {}, pill(r.passed ? "passed" : "failed")),
            h("td", { class: "mono code" }, r.code), h("td", { class: "advice" }, r.message))))) : null);
  }

  async function renderAgent() {
    let text;
    try {
      text = await getText(`/v1/setups/${id}/agent-config?format=${agentFormat}`);
    } catch (error) {
      text = `# ${error.code}: ${error.message}`;
    }
    const pre = h("pre", { id: "agent-config-text" }, text);
    const tab = (format) => h("button", { type: "button", class: format === agentFormat ? "tab current" : "tab", onclick: () => { agentFormat = format; renderAgent(); } }, format);
    const copied = h("span", { class: "muted", id: "copy-result" });
    fill(sections.agent, h("h2", {}, "Agent configuration"),
      h("div", { class: "tabs" }, tab("yaml"), tab("env"),
        h("button", { type: "button", id: "copy-config", onclick: async () => {
          try {
            await navigator.clipboard.writeText(text);
            copied.textContent = " copied";
          } catch {
            getSelection().selectAllChildren(pre);
            copied.textContent = " selected: press Ctrl+C";
          }
        } }, "Copy"), copied),
      pre);
  }

  function renderTimeline(events) {
    fill(sections.timeline, h("h2", {}, "Timeline"),
      h("table", { class: "grid", id: "timeline-rows" },
        h("thead", {}, h("tr", {}, ["When", "What", "Change", "Actor", "Reason"].map((t) => h("th", {}, t)))),
        h("tbody", {}, [...events].reverse().map((e) =>
          h("tr", { "data-event": e.id },
            h("td", {}, when(e.at)), h("td", {}, `${e.entity_type} `, h("span", { class: "mono small" }, e.entity_id)),
            h("td", {}, e.from_state ?? "(new)", " → ", pill(e.to_state)), h("td", { class: "mono" }, e.actor), h("td", {}, e.reason ?? ""))))));
  }

  const reload = debounce(load, 200);
  session.onEvent((event) => event.setup_id === id && reload());
  await load();
}

function fact(name, value) {
  return [h("dt", {}, name), h("dd", {}, value)];
}
