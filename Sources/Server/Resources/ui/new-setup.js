// The new-setup form: the three modes, the site's services to tick, a live dry-run plan preview
// as the form changes, and the API's validation problems shown next to their fields.
import { api, get } from "./api.js";
import { debounce, fill, h, idList, serviceChoices } from "./dom.js";

const MODES = [
  ["same_region", "Same region", "endpoints in the site's own region"],
  ["cross_region", "Cross-region", "endpoints in your region, reaching the site's region"],
  ["vpc_peering", "VPC peering", "endpoints in the site's region, Route53 zones for a peered VPC"],
  ["hub", "Hub", "endpoints in a shared VPC of the site's region; spoke VPCs are added later"],
];

export async function newSetupPage(main, session) {
  if (!session.may("operator")) {
    fill(main, h("h1", {}, "New setup"), h("p", { class: "error" }, `Creating setups needs the operator role; you have ${session.me.role}.`));
    return;
  }
  const sites = (await get("/v1/sites")).sites.filter((s) => s.privatelink_supported);
  const controls = {};
  const errors = {};
  const input = (name, attributes = {}) => (controls[name] = h("input", { id: `f-${name}`, name, autocomplete: "off", ...attributes }));
  const row = (name, label, control, hint) => {
    errors[name] = h("span", { class: "field-error", id: `error-${name}`, "data-for": name });
    return h("div", { class: "field", "data-field": name }, h("label", { for: control.id }, label), control, hint ? h("small", { class: "muted" }, hint) : null, errors[name]);
  };

  controls.site = h("select", { id: "f-site", name: "site" }, sites.map((s) => h("option", { value: s.id }, `${s.id} (${s.domain})`)));
  const modeBox = h("div", { id: "f-mode", class: "choices" }, MODES.map(([value, label, hint], i) =>
    h("label", { title: hint }, h("input", { type: "radio", name: "mode", value, checked: i === 0 }), ` ${label}`)));
  controls.mode = modeBox;
  const servicesBox = h("div", { id: "f-services", class: "choices" });
  controls.services = servicesBox;
  const peerBox = h("fieldset", { id: "peer-fields", hidden: true }, h("legend", {}, "The agents' VPC (peer)"),
    row("peer.vpc_id", "Peer VPC", input("peer.vpc_id", { placeholder: "vpc-…" })),
    row("peer.region", "Peer region", input("peer.region", { placeholder: "eu-west-1" })),
    row("peer.route_table_ids", "Peer route tables", input("peer.route_table_ids", { placeholder: "rtb-… (optional)" })));
  const preview = h("section", { id: "plan-preview", class: "card" }, h("p", { class: "muted" }, "Fill in the form to see the plan."));
  const formError = h("p", { class: "error", id: "form-error" });

  const form = h("form", { id: "new-setup", class: "card", onsubmit: (event) => { event.preventDefault(); submit(); }, oninput: () => refresh(), onchange: () => refresh() },
    row("site", "Datadog site", controls.site),
    row("mode", "Mode", modeBox),
    row("region", "Region of your VPC", input("region", { placeholder: "us-east-1" })),
    row("vpc_id", "VPC", input("vpc_id", { placeholder: "vpc-0123456789abcdef0" })),
    row("subnet_ids", "Subnets", input("subnet_ids", { placeholder: "subnet-… subnet-…" }), "one per Availability Zone; separate with spaces or commas"),
    row("security_group_ids", "Security groups", input("security_group_ids", { placeholder: "sg-…" }), "must admit TCP 443 from the VPC"),
    row("services", "Services", servicesBox),
    peerBox,
    h("details", {}, h("summary", {}, "Another account, Agent version"),
      row("account_id", "Account id", input("account_id", { placeholder: "123456789012" })),
      row("role_arn", "Role ARN", input("role_arn", { placeholder: "arn:aws:iam::123456789012:role/privatelinkd" })),
      row("external_id", "External id", input("external_id")),
      row("agent_version", "Agent version", input("agent_version", { placeholder: "7.52.1" }))),
    formError,
    h("button", { type: "submit", id: "create-setup" }, "Create setup"));

  fill(main, h("h1", {}, "New setup"), h("div", { class: "split" }, form, preview));

  function showServices() {
    const site = sites.find((s) => s.id === controls.site.value);
    if (!controls.region.value && site?.aws_region) controls.region.placeholder = site.aws_region;
    fill(servicesBox, serviceChoices(site, "svc-"));
  }
  controls.site.addEventListener("change", showServices);
  showServices();

  function body() {
    const mode = form.querySelector("input[name=mode]:checked").value;
    peerBox.hidden = mode !== "vpc_peering";
    const site = sites.find((s) => s.id === controls.site.value);
    const out = { site: controls.site.value, mode, region: controls.region.value.trim() || site?.aws_region };
    for (const name of ["vpc_id", "account_id", "role_arn", "external_id", "agent_version"]) if (controls[name].value.trim()) out[name] = controls[name].value.trim();
    for (const name of ["subnet_ids", "security_group_ids"]) out[name] = idList(controls[name].value);
    out.services = [...servicesBox.querySelectorAll("input:checked")].map((c) => c.value);
    if (mode === "vpc_peering") {
      out.peer = { vpc_id: controls["peer.vpc_id"].value.trim(), region: controls["peer.region"].value.trim() };
      const tables = idList(controls["peer.route_table_ids"].value);
      if (tables.length) out.peer.route_table_ids = tables;
    }
    return out;
  }

  /** Puts each problem next to its field ("subnet_ids[1]" → subnet_ids); the rest above the button. */
  function showProblems(error) {
    for (const span of Object.values(errors)) fill(span);
    const loose = [];
    const details = error?.details?.length ? error.details : error ? [{ field: "", message: error.message }] : [];
    for (const problem of details) {
      const field = (problem.field ?? "").replace(/\[\d+\]$/, "");
      const span = errors[field] ?? errors[field.split(".")[0]];
      if (span) span.append(h("span", { "data-code": problem.code ?? "" }, problem.message));
      else loose.push(problem.message);
    }
    fill(formError, loose.join("; "));
  }

  let generation = 0;
  const refresh = debounce(async () => {
    const mine = ++generation;
    try {
      const { body: answer } = await api("POST", "/v1/setups", { ...body(), dry_run: true });
      if (mine !== generation) return;
      showProblems(null);
      renderPlan(answer.plan);
    } catch (error) {
      if (mine !== generation) return;
      showProblems(error);
      fill(preview, h("h2", {}, "Plan"), h("p", { class: "muted", id: "plan-invalid" }, "The plan appears once the request is valid."));
    }
  }, 300);

  function renderPlan(plan) {
    fill(preview, h("h2", {}, "Plan ", h("small", { class: "muted" }, "(dry run: nothing stored)")),
      costSummary(plan.cost),
      h("h3", {}, `${plan.endpoints.length} endpoint${plan.endpoints.length === 1 ? "" : "s"}`),
      h("ul", { id: "plan-endpoints" }, plan.endpoints.map((e) => h("li", {}, h("span", { class: "mono" }, e.private_dns_name), ` (${e.services.join(", ")})`))),
      h("h3", {}, `${plan.steps.length} steps`),
      h("ol", { id: "plan-preview-steps", class: "steps" }, plan.steps.map((s) => h("li", { "data-step": s.name }, h("span", { class: "mono" }, s.name), h("div", { class: "muted small" }, s.description)))));
  }

  // One key per attempt: a retried send after a lost answer gets the same setup back, and a
  // corrected form after a refusal is a new request.
  const newKey = () => globalThis.crypto?.randomUUID?.() ?? `ui-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  let idempotencyKey = newKey();
  async function submit() {
    try {
      const { body: setup } = await api("POST", "/v1/setups", body(), { "Idempotency-Key": idempotencyKey });
      location.hash = `#/setups/${setup.id}`;
    } catch (error) {
      if (error.status >= 400 && error.status < 500) idempotencyKey = newKey();
      showProblems(error);
    }
  }
}

/** The plan's monthly estimate in one line, with its items as a list (or why there is none). */
export function costSummary(cost) {
  if (!cost) return "";
  if (cost.monthly_usd === null) return h("p", { id: "plan-cost", class: "muted" }, cost.unknown_region || "No price is known for this region.");
  const usd = (n) => `$${n.toFixed(2)}`;
  const saving = cost.without_hub && cost.without_hub.monthly_usd !== null
    ? ` (endpoints in each of the ${cost.without_hub.vpcs} VPCs instead: ${usd(cost.without_hub.monthly_usd)})` : "";
  return h("div", { id: "plan-cost" },
    h("p", {}, h("strong", {}, `About ${usd(cost.monthly_usd)} a month`), ` in ${cost.region}${saving}`),
    h("ul", { class: "muted small" }, (cost.items || []).map((i) => h("li", {}, `${i.description}: ${usd(i.monthly_usd)}`))),
    h("p", { class: "muted small" }, `On-demand rates (${cost.rates.source}, published ${cost.rates.publication_date.slice(0, 10)}); data processing not included.`));
}
