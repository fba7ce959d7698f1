// The setups page: counts by status, filters, the table, pages; refreshed live by transitions.
import { get } from "./api.js";
import { debounce, fill, h, pill, when } from "./dom.js";

const STATUSES = ["pending", "provisioning", "waiting", "ready", "updating", "degraded", "failed", "deleting", "deleted"];

export async function setupsPage(main, session, query) {
  const filters = { status: query.get("status") ?? "", site: query.get("site") ?? "", region: query.get("region") ?? "", vpc_id: query.get("vpc_id") ?? "" };
  const cursors = [null]; // the cursor of each page seen, for "previous"
  let page = 0;

  const counts = h("section", { id: "counts", class: "counts" });
  const table = h("tbody", { id: "setups-rows" });
  const pager = h("div", { class: "pager" });
  const sites = await get("/v1/sites").then((r) => r.sites).catch(() => []);

  const field = (name, control) => h("label", {}, name, control);
  const statusSelect = h("select", { id: "filter-status", name: "status" }, h("option", { value: "" }, "any"), STATUSES.map((s) => h("option", { value: s, selected: s === filters.status }, s)));
  const siteSelect = h("select", { id: "filter-site", name: "site" }, h("option", { value: "" }, "any"), sites.map((s) => h("option", { value: s.id, selected: s.id === filters.site }, s.id)));
  const regionInput = h("input", { id: "filter-region", name: "region", value: filters.region, placeholder: "us-east-1", size: 14 });
  const vpcInput = h("input", { id: "filter-vpc", name: "vpc_id", value: filters.vpc_id, placeholder: "vpc-…", size: 24 });
  const form = h(
    "form",
    {
      class: "filters",
      onsubmit: (event) => {
        event.preventDefault();
        const next = new URLSearchParams();
        for (const [key, control] of [["status", statusSelect], ["site", siteSelect], ["region", regionInput], ["vpc_id", vpcInput]]) {
          if (control.value.trim()) next.set(key, control.value.trim());
        }
        location.hash = `#/setups${next.size ? "?" + next : ""}`;
      },
    },
    field("Status", statusSelect), field("Site", siteSelect), field("Region", regionInput), field("VPC", vpcInput),
    h("button", { type: "submit" }, "Filter"),
  );
  const error = h("p", { class: "error", id: "list-error" });
  fill(
    main,
    h("h1", {}, "Setups"),
    counts,
    form,
    error,
    h("table", { class: "grid", id: "setups" },
      h("thead", {}, h("tr", {}, ["Setup", "Site", "Mode", "Region", "VPC", "Services", "Status", "Current step", "Last change"].map((t) => h("th", {}, t)))),
      table),
    pager,
  );

  async function load() {
    const params = new URLSearchParams({ limit: "20" });
    for (const [key, value] of Object.entries(filters)) if (value) params.set(key, value);
    if (cursors[page]) params.set("cursor", cursors[page]);
    try {
      const [list, summary] = await Promise.all([get(`/v1/setups?${params}`), get("/v1/setup-counts")]);
      fill(error);
      fill(counts, STATUSES.map((s) =>
        h("a", { class: "count", href: `#/setups?status=${s}`, "data-status": s }, h("span", { class: "number" }, summary.counts[s] ?? 0), " ", s)));
      fill(table, list.setups.length === 0 ? h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No setups match.")) : list.setups.map(row));
      cursors[page + 1] = list.next_cursor;
      fill(pager,
        h("button", { type: "button", id: "page-prev", disabled: page === 0, onclick: () => { page -= 1; load(); } }, "← Newer"),
        h("span", { class: "muted" }, ` page ${page + 1} `),
        h("button", { type: "button", id: "page-next", disabled: !list.next_cursor, onclick: () => { page += 1; load(); } }, "Older →"));
    } catch (e) {
      fill(error, `${e.code}: ${e.message}`, e.details.map((d) => h("div", {}, `${d.field}: ${d.message}`)));
    }
  }

  function row(setup) {
    return h("tr", { "data-id": setup.id },
      h("td", {}, h("a", { href: `#/setups/${setup.id}` }, setup.id)),
      h("td", {}, setup.site), h("td", {}, setup.mode), h("td", {}, setup.region),
      h("td", { class: "mono" }, setup.vpc_id),
      h("td", {}, setup.services.join(", ")),
      h("td", { class: "status" }, pill(setup.status)),
      h("td", { class: "mono" }, setup.current_step ?? "–"),
      h("td", {}, when(setup.updated_at)));
  }

  const reload = debounce(load, 250);
  session.onEvent((event) => event.entity_type === "setup" && reload());
  await load();
}
