#!/usr/bin/env python3
"""Builds Sources/Core/Resources/catalog.json from the Datadog facts file.

Usage: scripts/build-catalog.py [../shared/data/datadog-sites.json] > Sources/Core/Resources/catalog.json

Rules (from ../shared/docs/datadog-privatelink-facts.md):
- a `later_docs` value replaces the older one (ap2 metrics fix, us1 api/traces anchors);
- the private DNS name is what the endpoint service announces (a colour "anchor" on two-level sites);
  the hostname is what Agents connect to; they differ where DNS is two-level;
- a wildcard table row (`*.agent.uk1...`) becomes the concrete Agent hostname (`metrics.agent.uk1...`).
"""
import json
import sys

SERVICES = [
    ("logs_agent", "Logs (Agent HTTP intake)"),
    ("logs_user", "Logs (User HTTP intake)"),
    ("api", "API"),
    ("metrics", "Metrics"),
    ("containers", "Containers"),
    ("process", "Process"),
    ("profiling", "Profiling"),
    ("traces", "Traces"),
    ("dbm", "Database Monitoring"),
    ("remote_config", "Remote Configuration"),
]
SITE_ORDER = ["us1", "us3", "us5", "eu1", "ap1", "ap2", "uk1", "us1_fed", "us2_fed"]
REGION_LABELS = {
    "us-east-1": "US East (N. Virginia) (us-east-1)",
    "ap-northeast-1": "Asia Pacific (Tokyo) (ap-northeast-1)",
    "ap-southeast-2": "Asia Pacific (Sydney) (ap-southeast-2)",
    "eu-west-2": "Europe (London) (eu-west-2)",
}


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/datadog-sites.json"
    facts = json.load(open(path))
    sites = []
    for site_id in SITE_ORDER:
        raw = facts["sites"][site_id]
        supported = bool(raw["privatelink_supported"])
        services = []
        for key, display in SERVICES:
            svc = raw["services"][key]
            later = svc.get("later_docs") or {}
            hostname = svc.get("hostname") or svc.get("private_dns_name")
            if hostname and hostname.startswith("*."):
                hostname = "metrics" + hostname[1:]  # the Agent's metrics host under the wildcard
            services.append({
                "id": key,
                "display_name": display,
                "service_name": later.get("service_name", svc["service_name"]) if supported else None,
                "private_dns_name": later.get("anchor", svc["private_dns_name"]),
                "hostname": hostname,
            })
        region = raw["aws_region"]
        sites.append({
            "id": site_id,
            "datacenter": raw["datacenter"],
            "domain": raw["dd_site"],
            "aws_region": region,
            "privatelink_supported": supported,
            "cross_region_label": REGION_LABELS.get(region) if supported else None,
            "services": services,
        })
    catalog = {
        "version": 1,
        "source": "DataDog/documentation private-link.md and regions.config.js, with later corrections",
        "unsupported_message": "Datadog PrivateLink does not support the selected Datadog site.",
        "sites": sites,
    }
    json.dump(catalog, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
