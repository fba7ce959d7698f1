#!/usr/bin/env python3
"""Provisioning benchmark: N setups x 10 services in one account and region, through a proxy that
enforces AWS's EC2 token buckets (CreateVpcEndpoint burst 4, refill 0.3/s; describes burst 100,
refill 20/s) in front of moto. Prints the time until every setup is ready against the buckets'
lower bound ((creates - 4) / 0.3 s), the AWS calls per endpoint, the throttled responses, and the
describe calls per poller tick. Everything runs on 127.0.0.1.

Usage: scripts/bench-provisioning.py [N setups, default 2]   (needs: pip install 'moto[server]' boto3)
"""
import http.server
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVICES = ["logs_agent", "logs_user", "api", "metrics", "containers", "process", "profiling", "traces", "dbm", "remote_config"]
BUCKETS = {"create": (4.0, 0.3), "describe": (100.0, 20.0), "other": (200.0, 5.0)}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Bucket:
    def __init__(self, capacity, rate):
        self.capacity, self.rate, self.tokens, self.at = capacity, rate, capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return True
            return False


class Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to moto; throttles per AWS's buckets; holds new endpoints pending for two polls."""
    moto = ""
    buckets = {}
    stats = {"throttled": 0, "calls": {}, "describe_sizes": []}
    seen = {}
    lock = threading.Lock()

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        form = dict(urllib.parse.parse_qsl(body.decode()))
        action = form.get("Action", "?")
        kind = "create" if action in ("CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints") else \
            "describe" if action.startswith("Describe") else "other"
        with Proxy.lock:
            Proxy.stats["calls"][action] = Proxy.stats["calls"].get(action, 0) + 1
            bucket = Proxy.buckets.setdefault(kind, Bucket(*BUCKETS[kind]))
        if not bucket.take():
            with Proxy.lock:
                Proxy.stats["throttled"] += 1
            self.reply(400, b"<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>bench</RequestID></Response>")
            return
        ids = [v for k, v in form.items() if k.startswith("VpcEndpointId.")]
        if action == "DescribeVpcEndpoints" and ids:
            with Proxy.lock:
                Proxy.stats["describe_sizes"].append(len(ids))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")}
        request = urllib.request.Request(Proxy.moto + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if action in ("CreateVpcEndpoint", "DescribeVpcEndpoints"):
            for endpoint in re.findall(r"<vpcEndpointId>(vpce-[0-9a-f]+)</vpcEndpointId>", text):
                with Proxy.lock:
                    polls = Proxy.seen.get(endpoint, 0)
                    if action == "DescribeVpcEndpoints":
                        Proxy.seen[endpoint] = polls + 1
                if polls < 2:
                    start = text.find("<vpcEndpointId>%s</vpcEndpointId>" % endpoint)
                    text = text[:start] + text[start:].replace("<state>available</state>", "<state>pending</state>", 1)
        self.reply(status, text.encode())

    def reply(self, status, data):
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    import boto3
    work = tempfile.mkdtemp(prefix="bench-provisioning-")
    moto_port, proxy_port = free_port(), free_port()
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = None
    try:
        Proxy.moto = "http://127.0.0.1:%d" % moto_port
        for _ in range(200):
            try:
                urllib.request.urlopen(Proxy.moto + "/moto-api/", timeout=1)
                break
            except Exception:
                time.sleep(0.05)
        session = boto3.session.Session(aws_access_key_id="AKIATESTTESTTESTTEST", aws_secret_access_key="test", region_name="us-east-1")
        ec2 = session.client("ec2", endpoint_url=Proxy.moto)
        elb = session.client("elbv2", endpoint_url=Proxy.moto)
        networks = []
        for i in range(N):
            vpc = ec2.create_vpc(CidrBlock="10.%d.0.0/16" % (i + 10))["Vpc"]["VpcId"]
            for attribute in ("EnableDnsHostnames", "EnableDnsSupport"):
                ec2.modify_vpc_attribute(VpcId=vpc, **{attribute: {"Value": True}})
            subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.%d.%d.0/24" % (i + 10, z + 1), AvailabilityZone=zone)["Subnet"]["SubnetId"]
                       for z, zone in enumerate(["us-east-1a", "us-east-1b"])]
            sg = ec2.create_security_group(GroupName="bench%d" % i, Description="bench", VpcId=vpc)["GroupId"]
            ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.%d.0.0/16" % (i + 10)}]}])
            networks.append((vpc, subnets, sg))
        # Stand-in Datadog services (moto only lists the account's own), offered in both zones.
        catalog = json.load(open(os.path.join(ROOT, "Sources/Core/Resources/catalog.json")))
        us1 = next(site for site in catalog["sites"] if site["id"] == "us1")
        stand_in_subnets = networks[0][1]
        for service in us1["services"]:
            lb = elb.create_load_balancer(Name="bench-" + service["id"].replace("_", "-"), Subnets=stand_in_subnets, Type="network")
            config = ec2.create_vpc_endpoint_service_configuration(
                NetworkLoadBalancerArns=[lb["LoadBalancers"][0]["LoadBalancerArn"]], AcceptanceRequired=False,
                PrivateDnsName=service["private_dns_name"])
            service["service_name"] = config["ServiceConfiguration"]["ServiceName"]
        catalog_path = os.path.join(work, "catalog.json")
        json.dump(catalog, open(catalog_path, "w"))

        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", proxy_port), Proxy)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        subprocess.run(["swift", "build", "-c", "release", "--product", "privatelinkd"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        db = os.path.join(work, "bench.sqlite")
        env = dict(os.environ, AWS_ENDPOINT_URL="http://127.0.0.1:%d" % proxy_port, AWS_ACCESS_KEY_ID="AKIATESTTESTTESTTEST",
                   AWS_SECRET_ACCESS_KEY="test", AWS_EC2_METADATA_DISABLED="true", AWS_REGION="us-east-1")
        server = subprocess.Popen([os.path.join(ROOT, ".build/release/privatelinkd"), "--port", "0", "--db", db, "--catalog", catalog_path,
                                   "--poll-interval", "1s", "--workers", "4", "--log-level", "warning"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = re.search(r"http://[0-9.:]+", server.stdout.readline()).group(0)

        started = time.monotonic()
        ids = []
        for vpc, subnets, sg in networks:
            body = json.dumps({"site": "us1", "region": "us-east-1", "vpc_id": vpc, "subnet_ids": subnets,
                               "security_group_ids": [sg], "account_id": "123456789012"}).encode()
            request = urllib.request.Request(url + "/v1/setups", data=body, headers={"Content-Type": "application/json"}, method="POST")
            ids.append(json.load(urllib.request.urlopen(request))["id"])
        deadline = started + 60 + (N * 10) / 0.3 * 1.5
        statuses = []
        while time.monotonic() < deadline:
            statuses = [json.load(urllib.request.urlopen(url + "/v1/setups/" + i))["status"] for i in ids]
            if all(s in ("ready", "failed") for s in statuses):
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started

        creates = N * 10
        bound = max(0.0, (creates - 4) / 0.3)
        connection = sqlite3.connect(db)
        calls = connection.execute("SELECT count(*) FROM aws_calls").fetchone()[0]
        per_action = connection.execute("SELECT action, count(*) FROM aws_calls GROUP BY action ORDER BY 2 DESC").fetchall()
        sizes = Proxy.stats["describe_sizes"]
        print("privatelinkd provisioning benchmark: %d setups x 10 services, one account and region" % N)
        print("setups: %s" % ", ".join("%s=%d" % (s, statuses.count(s)) for s in sorted(set(statuses))))
        print("time to all ready: %.1f s; buckets' lower bound (%d creates - 4) / 0.3 = %.1f s; ratio %.3f"
              % (elapsed, creates, bound, elapsed / bound if bound else float("nan")))
        print("AWS calls: %d for %d endpoints = %.2f per endpoint; by action: %s"
              % (calls, creates, calls / creates, ", ".join("%s %d" % row for row in per_action)))
        print("throttled responses from the proxy (AWS's buckets): %d" % Proxy.stats["throttled"])
        print("poller describes by id: %d calls, endpoints per call: max %d, mean %.1f"
              % (len(sizes), max(sizes or [0]), sum(sizes) / len(sizes) if sizes else 0))
    finally:
        if server:
            server.terminate()
            server.wait()
        moto.kill()


if __name__ == "__main__":
    main()
