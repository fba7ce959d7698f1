#!/usr/bin/env bash
# The README's curl session, for real, from request to verified: moto (the AWS emulator),
# privatelinkd, a DNS responder and TLS listeners on the endpoints' addresses, all inside a fresh
# network namespace where only `lo` exists, so nothing can reach AWS, a resolver or the internet.
#
#   scripts/demo.sh            # re-runs itself under `unshare --net` (root, or user namespaces)
#
# Needs: a built privatelinkd (swift build; or PRIVATELINKD_BIN), python3 with moto[server] and
# boto3, curl, jq, ip. Prints each command and its answer.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
source "$repo/scripts/in-namespace.sh"

bin=${PRIVATELINKD_BIN:-$repo/.build/debug/privatelinkd}
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -rf "$work"' EXIT
export AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=AKIADEMODEMODEMODEMO AWS_SECRET_ACCESS_KEY=demo \
       AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true

# Waits (at most 30 s) until a URL answers.
await() { for _ in $(seq 300); do curl -fs -o /dev/null "$1" && return 0; sleep 0.1; done; echo "no answer from $1" >&2; exit 1; }
show() { printf '\n$ %s\n' "$*" >&2; }

python3 -m moto.server -H 127.0.0.1 -p 5000 >"$work/moto.log" 2>&1 &
pids+=($!)
await http://127.0.0.1:5000/moto-api/

# A VPC with two subnets and a security group open to 443 from the VPC; moto knows no Datadog
# services, so NLB-backed stand-ins take their service names in a copy of the catalog.
python3 - "$repo" "$work" <<'PY'
import boto3, json, sys
repo, work = sys.argv[1], sys.argv[2]
ec2 = boto3.client("ec2", region_name="us-east-1")
elb = boto3.client("elbv2", region_name="us-east-1")
vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
for attribute in ("EnableDnsSupport", "EnableDnsHostnames"):
    ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"]
           for i, z in ((1, "a"), (2, "b"))]
sg = ec2.create_security_group(GroupName="datadog-privatelink", Description="443 from the VPC", VpcId=vpc)["GroupId"]
ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                                                                 "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
catalog = open(f"{repo}/Sources/Core/Resources/catalog.json").read()
us1 = next(s for s in json.loads(catalog)["sites"] if s["id"] == "us1")
for key in ("metrics", "logs_agent"):
    service = next(s for s in us1["services"] if s["id"] == key)
    lb = elb.create_load_balancer(Name=f"stand-in-{key.replace('_', '-')}", Subnets=subnets, Type="network")["LoadBalancers"][0]
    name = ec2.create_vpc_endpoint_service_configuration(NetworkLoadBalancerArns=[lb["LoadBalancerArn"]],
                                                        AcceptanceRequired=False)["ServiceConfiguration"]["ServiceName"]
    catalog = catalog.replace(service["service_name"], name)
open(f"{work}/catalog.json", "w").write(catalog)
json.dump({"vpc": vpc, "subnets": subnets, "sg": sg}, open(f"{work}/world.json", "w"))
PY
vpc=$(jq -r .vpc "$work/world.json")
subnets=$(jq -c .subnets "$work/world.json")
sg=$(jq -r .sg "$work/world.json")

"$bin" --port 8080 --db "$work/privatelinkd.sqlite" --catalog "$work/catalog.json" --poll-interval 1s \
    --dns-server 127.0.0.1:53 --ca-file "$repo/Tests/Fixtures/tls/ca.pem" --no-verify-on-ready --log-level warning >"$work/server.log" 2>&1 &
pids+=($!)
await http://127.0.0.1:8080/healthz

body=$(jq -nc --arg vpc "$vpc" --argjson subnets "$subnets" --arg sg "$sg" \
    '{site: "us1", mode: "same_region", region: "us-east-1", vpc_id: $vpc, subnet_ids: $subnets,
      security_group_ids: [$sg], services: ["metrics", "logs_agent"], agent_version: "7.52.1"}')
show "curl -si localhost:8080/v1/setups -d '$body'"
response=$(curl -si localhost:8080/v1/setups -d "$body")
printf '%s\n' "$response" | sed -n '1p;/^Location/p' >&2
setup=$(printf '%s\n' "$response" | sed -n 's/^Location: \/v1\/setups\/\([^\r]*\).*/\1/p')
printf '%s\n' "$response" | sed '1,/^\r$/d' | jq '{id, status, plan: [.plan.steps[].name]}' >&2

for _ in $(seq 120); do  # until ready (at most 60 s)
    status=$(curl -s "localhost:8080/v1/setups/$setup" | jq -r .status)
    [ "$status" = ready ] || [ "$status" = failed ] && break
    sleep 0.5
done
show "curl -s localhost:8080/v1/setups/$setup | jq '{status, endpoints: [.endpoints[] | {services, vpc_endpoint_id, state}]}'"
curl -s "localhost:8080/v1/setups/$setup" | jq '{status, endpoints: [.endpoints[] | {services, vpc_endpoint_id, state}]}' >&2

# What private DNS would do in the VPC: the intake names answer with the endpoints' ENI IPs, which
# sit on lo here, with TLS listeners holding a certificate for the intake names (test CA).
config=$(python3 - "$repo" "$work" "$vpc" <<'PY'
import boto3, json, sys
repo, work, vpc = sys.argv[1:4]
ec2 = boto3.client("ec2", region_name="us-east-1")
names, tls = {}, []
dns = {"metrics": "metrics.agent.datadoghq.com", "logs_agent": "agent-http-intake.logs.datadoghq.com"}
for endpoint in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["VpcEndpoints"]:
    key = next(t["Value"] for t in endpoint.get("Tags", []) if t["Key"] == "privatelinkd:service")
    ips = [i["PrivateIpAddress"] for i in ec2.describe_network_interfaces(NetworkInterfaceIds=endpoint["NetworkInterfaceIds"])["NetworkInterfaces"]]
    names[dns[key]] = {"a": ips}
    tls += [{"host": ip, "port": 443, "cert": f"{repo}/Tests/Fixtures/tls/intake.pem", "key": f"{repo}/Tests/Fixtures/tls/intake.key"} for ip in ips]
print(json.dumps({"tls": tls, "dns": {"host": "127.0.0.1", "port": 53, "names": names}}))
PY
)
for ip in $(jq -r '.tls[].host' <<<"$config"); do ip addr add "$ip/32" dev lo; done
coproc FIXTURE { exec python3 "$repo/Tests/Fixtures/verify_fixture.py" "$config"; }
read -r _ <&"${FIXTURE[0]}"

show "curl -si -X POST localhost:8080/v1/setups/$setup/verify"
response=$(curl -si -X POST "localhost:8080/v1/setups/$setup/verify")
printf '%s\n' "$response" | sed -n '1p;/^Location/p' >&2
location=$(printf '%s\n' "$response" | sed -n 's/^Location: \([^\r]*\).*/\1/p')
for _ in $(seq 120); do
    state=$(curl -s "localhost:8080$location" | jq -r .state)
    [ "$state" != queued ] && [ "$state" != running ] && break
    sleep 0.5
done
show "curl -s localhost:8080$location | jq '{state, passed, endpoint_addresses_known, results: [.results[] | {hostname, answers: [.answers[].value], code, tls: .probes[0].tls.status}]}'"
curl -s "localhost:8080$location" | jq '{state, passed, endpoint_addresses_known, results: [.results[] | {hostname, answers: [.answers[].value], code, tls: .probes[0].tls.status}]}' >&2

show "curl -s 'localhost:8080/v1/setups/$setup/agent-config?format=yaml'"
curl -s "localhost:8080/v1/setups/$setup/agent-config?format=yaml" >&2

show "privatelinkd verify --site us1 --services metrics,logs_agent --dns-server 127.0.0.1:53 --ca-file Tests/Fixtures/tls/ca.pem"
"$bin" verify --site us1 --services metrics,logs_agent --dns-server 127.0.0.1:53 --ca-file "$repo/Tests/Fixtures/tls/ca.pem" >&2 || true
