// The edit form of one setup (PATCH /v1/setups/{id}): services, subnets, security groups and the
// Agent version; a dry run shows the difference plan as the form changes, and the change is applied
// only after a confirmation, with If-Match set to the ETag the preview was computed against.
import { api, get } from "./api.js";
import { confirmDialog, debounce, fill, h, idList, serviceChoices } from "./dom.js";

/** Opens the editor in `container`; `currentETag()` is the ETag of the setup as shown; `done()` closes it. */
export async function editSetup(container, setup, currentETag, done) {
  const site = await get(`/v1/sites/${setup.site}`);
  const services = h("div", { class: "choices", id: "edit-services" }, serviceChoices(site, "edit-svc-", setup.services));
  const subnets = h("input", { id: "edit-subnet_ids", value: setup.subnet_ids.join(" ") });
  const groups = h("input", { id: "edit-security_group_ids", value: setup.security_group_ids.join(" ") });
  const agent = h("input", { id: "edit-agent_version", value: setup.agent_version ?? "", placeholder: "7.52.1" });
  const plan = h("div", { id: "edit-plan", class: "card" });
  const error = h("p", { class: "error", id: "edit-error" });
  let previewETag = null;
  let previewed = null;

  function patch() {
    const body = {
      services: [...services.querySelectorAll("input:checked")].map((c) => c.value),
      subnet_ids: idList(subnets.value), security_group_ids: idList(groups.value),
    };
    if (agent.value.trim() !== (setup.agent_version ?? "")) body.agent_version = agent.value.trim() || null;
    return body;
  }

  const preview = debounce(async () => {
    const etag = currentETag();
    try {
      const { body } = await api("PATCH", `/v1/setups/${setup.id}?dry_run=true`, patch(), { "Content-Type": "application/merge-patch+json" });
      previewETag = etag;
      previewed = body.change;
      fill(error);
      const change = body.change;
      const nothing = change.steps.length === 0;
      fill(plan, h("h3", {}, "What changes"),
        nothing ? h("p", { class: "muted" }, "Nothing for AWS to do.") : h("ul", { id: "edit-diff" },
          change.create.map((k) => h("li", { class: "diff-create" }, `create the ${k} endpoint`)),
          change.modify.map((k) => h("li", { class: "diff-modify" }, `modify the ${k} endpoint in place (same id)`)),
          change.delete.map((k) => h("li", { class: "diff-delete" }, `delete the ${k} endpoint`))),
        nothing ? null : h("ol", { class: "steps", id: "edit-steps" }, change.steps.map((s) => h("li", { class: "mono" }, s))));
    } catch (e) {
      previewed = null;
      fill(error, `${e.code}: ${e.message}`, e.details.map((d) => h("div", { "data-field": d.field }, `${d.field}: ${d.message}`)));
      fill(plan);
    }
  }, 300);

  async function apply() {
    if (!previewed) return;
    const summary = [...previewed.create.map((k) => `create ${k}`), ...previewed.modify.map((k) => `modify ${k}`), ...previewed.delete.map((k) => `delete ${k}`)];
    const question = summary.length ? `Apply this change to ${setup.id}: ${summary.join(", ")}? Endpoints that stay keep their ids.` : `Save this change to ${setup.id}?`;
    if (!(await confirmDialog(question))) return;
    try {
      await api("PATCH", `/v1/setups/${setup.id}`, patch(), { "Content-Type": "application/merge-patch+json", "If-Match": previewETag });
      done(true);
    } catch (e) {
      fill(error, `${e.code}: ${e.message}`, e.status === 412 ? " The preview was refreshed; review it and apply again." : "");
      preview();
    }
  }

  const row = (label, control) => h("div", { class: "field" }, h("label", { for: control.id }, label), control);
  fill(container, h("form", { id: "edit-form", class: "card", oninput: () => preview(), onchange: () => preview(), onsubmit: (event) => { event.preventDefault(); apply(); } },
    h("h2", {}, "Change this setup"),
    row("Services", services), row("Subnets", subnets), row("Security groups", groups), row("Agent version", agent),
    error, plan,
    h("menu", { class: "actions" },
      h("button", { type: "submit", id: "edit-apply" }, "Apply change…"),
      h("button", { type: "button", class: "tab", id: "edit-cancel", onclick: () => done(false) }, "Cancel"))));
  preview();
}
