// A hub's spokes: their states live, the form to add one (with its plan's cost), and removal.
// A vpc_peering setup shows its peer the same way: a spoke made with the setup, which goes with it.
import { api, get } from "./api.js";
import { confirmDialog, fill, h, idList, pill } from "./dom.js";

export async function renderSpokes(section, setup, session, notice) {
  if (setup.mode !== "hub" && setup.mode !== "vpc_peering") return fill(section);
  const hub = setup.mode === "hub";
  let spokes = [];
  try {
    spokes = (await get(`/v1/setups/${setup.id}/spokes`)).spokes;
  } catch (error) {
    return fill(section, h("h2", {}, "Spokes"), h("p", { class: "error" }, `${error.code}: ${error.message}`));
  }
  const remove = (spoke) => h("button", {
    type: "button", class: "danger", "data-remove-spoke": spoke.id,
    onclick: async () => {
      if (!(await confirmDialog(`Remove spoke ${spoke.vpc_id}? Its zone associations, the routes and the peering it made are undone; Agents there lose this path.`))) return;
      try {
        await api("DELETE", `/v1/setups/${setup.id}/spokes/${spoke.id}`);
        fill(notice, "Remove spoke: accepted");
      } catch (error) {
        fill(notice, h("span", { class: "error" }, `Remove spoke: ${error.code}: ${error.message}`));
      }
    },
  }, "Remove");
  const rows = spokes.filter((s) => s.status !== "deleted").map((s) =>
    h("tr", { "data-spoke": s.id, "data-vpc": s.vpc_id },
      h("td", { class: "mono" }, s.vpc_id), h("td", {}, s.region), h("td", {}, s.transport),
      h("td", { class: "spoke-state" }, pill(s.status)), h("td", { class: "mono small" }, s.current_step ?? "–"),
      h("td", {}, s.error ? h("span", { class: "error" }, h("code", {}, s.error.code), " ", s.error.message) : ""),
      h("td", {}, s.setup_peer ? h("span", { class: "muted small" }, "goes with the setup")
        : session.may("admin") && !["deleting", "deleted"].includes(s.status) ? remove(s) : "")));
  fill(section, h("h2", {}, hub ? "Spokes" : "Peer"),
    rows.length
      ? h("table", { class: "grid", id: "spoke-rows" },
        h("thead", {}, h("tr", {}, ["VPC", "Region", "Transport", "State", "Step", "Error", ""].map((t) => h("th", {}, t)))), h("tbody", {}, rows))
      : h("p", { class: "muted", id: "no-spokes" }, "No spokes yet: add the VPCs whose Agents should use these endpoints."),
    hub && session.may("operator") && setup.status === "ready" ? keptForm(section, setup, notice) : null);
}

// The add form survives the section being drawn again as events arrive: what someone is typing stays.
function keptForm(section, setup, notice) {
  if (!section.addSpokeForm || section.addSpokeForm.dataset.setup !== setup.id) {
    section.addSpokeForm = addForm(setup, notice);
    section.addSpokeForm.dataset.setup = setup.id;
  }
  return section.addSpokeForm;
}

function addForm(setup, notice) {
  const field = (name, label, attributes = {}) => h("label", {}, label, h("input", { id: `spoke-${name}`, name, ...attributes }));
  const transport = h("select", { id: "spoke-transport", name: "transport" },
    h("option", { value: "peering" }, "VPC peering"), h("option", { value: "transit_gateway" }, "Transit Gateway"));
  const tgw = field("transit_gateway_id", "Transit Gateway", { placeholder: "tgw-0123456789abcdef0" });
  const result = h("p", { id: "spoke-result", class: "muted" });
  const body = (form) => {
    const out = { vpc_id: form.vpc_id.value.trim(), region: form.region.value.trim() || setup.region, transport: transport.value };
    if (transport.value === "transit_gateway") out.transit_gateway_id = form.transit_gateway_id.value.trim();
    const tables = idList(form.route_table_ids.value);
    if (tables.length) out.route_table_ids = tables;
    return out;
  };
  const form = h("form", { id: "add-spoke", class: "inline-form", onsubmit: async (event) => {
    event.preventDefault();
    try {
      const answer = await api("POST", `/v1/setups/${setup.id}/spokes`, body(form));
      const saving = answer.body.plan.cost.without_hub?.saving_usd;
      // On the page's notice: the spokes section is drawn again as the spoke's events arrive.
      fill(notice, `Add spoke: accepted, ${answer.body.plan.steps.length} steps queued`
        + (saving !== undefined ? `; the hub saves $${saving.toFixed(2)} a month against endpoints in every VPC` : ""));
    } catch (error) {
      fill(result, h("span", { class: "error", id: "spoke-error" }, `${error.code}: ${error.message}`,
        (error.details ?? []).map((d) => h("div", { class: "small" }, `${d.field}: ${d.message}`))));
    }
  } },
  h("h3", {}, "Add a spoke"), field("vpc_id", "VPC", { placeholder: "vpc-0123456789abcdef0", required: true }),
  field("region", "Region", { placeholder: setup.region }), h("label", {}, "Transport", transport), tgw,
  field("route_table_ids", "Route tables (optional)", { placeholder: "all of the VPC's" }),
  h("button", { type: "submit", id: "add-spoke-submit" }, "Add spoke"), result);
  const showTGW = () => { tgw.hidden = transport.value !== "transit_gateway"; };
  transport.addEventListener("change", showTGW);
  showTGW();
  return form;
}
