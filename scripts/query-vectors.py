#!/usr/bin/env python3
"""Writes the request parameters botocore's own serializers produce for EC2 and STS calls, for the
Swift tests to compare with what our clients send (including fields moto ignores, such as
ServiceRegion and ClientToken).

Usage: scripts/query-vectors.py > Tests/CoreTests/Resources/query-vectors.json
"""
import json
import sys

import botocore.session
from botocore.serialize import create_serializer

CASES = [
    ("ec2", "CreateVpcEndpoint", {
        "VpcEndpointType": "Interface", "VpcId": "vpc-0123456789abcdef0",
        "ServiceName": "com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8",
        "SubnetIds": ["subnet-01234567", "subnet-89abcdef"], "SecurityGroupIds": ["sg-01234567", "sg-89abcdef"],
        "PrivateDnsEnabled": False, "ServiceRegion": "us-east-1", "ClientToken": "su_01ABC.metrics.1",
        "TagSpecifications": [{"ResourceType": "vpc-endpoint", "Tags": [
            {"Key": "privatelinkd:setup", "Value": "su_01ABC"}, {"Key": "privatelinkd:service", "Value": "metrics"}]}],
    }),
    ("ec2", "DescribeVpcEndpoints", {
        "VpcEndpointIds": ["vpce-0123456789abcdef0", "vpce-0fedcba9876543210"],
        "Filters": [{"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0"]},
                    {"Name": "tag:privatelinkd:setup", "Values": ["su_1", "su_2"]}],
    }),
    ("ec2", "DescribeVpcEndpointServices", {
        "ServiceNames": ["com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8"], "ServiceRegions": ["us-east-1"],
    }),
    ("ec2", "DeleteVpcEndpoints", {"VpcEndpointIds": ["vpce-0123456789abcdef0"]}),
    ("ec2", "DescribeVpcs", {"VpcIds": ["vpc-0123456789abcdef0"]}),
    ("ec2", "DescribeVpcAttribute", {"VpcId": "vpc-0123456789abcdef0", "Attribute": "enableDnsHostnames"}),
    ("ec2", "DescribeSubnets", {"SubnetIds": ["subnet-01234567", "subnet-89abcdef"]}),
    ("ec2", "DescribeSecurityGroups", {"GroupIds": ["sg-01234567"]}),
    ("ec2", "DescribeNetworkInterfaces", {"NetworkInterfaceIds": ["eni-01234567", "eni-89abcdef"]}),
    ("ec2", "CreateVpcPeeringConnection", {
        "VpcId": "vpc-0123456789abcdef0", "PeerVpcId": "vpc-89abcdef", "PeerRegion": "eu-west-1", "PeerOwnerId": "222222222222",
        "TagSpecifications": [{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "privatelinkd:setup", "Value": "su_1"}]}],
    }),
    ("ec2", "AcceptVpcPeeringConnection", {"VpcPeeringConnectionId": "pcx-0123456789abcdef0"}),
    ("ec2", "DescribeVpcPeeringConnections", {"VpcPeeringConnectionIds": ["pcx-0123456789abcdef0"]}),
    ("ec2", "DescribeRouteTables", {"Filters": [{"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0"]}]}),
    ("sts", "AssumeRole", {"RoleArn": "arn:aws:iam::222222222222:role/privatelinkd", "RoleSessionName": "privatelinkd",
                           "ExternalId": "ext-1", "DurationSeconds": 3600}),
]


def serialize(service, operation, params):
    model = botocore.session.get_session().get_service_model(service)
    op = model.operation_model(operation)
    request = create_serializer(model.metadata["protocol"]).serialize_to_request(params, op)
    body = request["body"]
    return sorted([str(k), str(v)] for k, v in body.items())


vectors = [{"service": s, "operation": o, "input": p, "parameters": serialize(s, o, p)} for s, o, p in CASES]
json.dump({"generator": "botocore.serialize", "vectors": vectors}, sys.stdout, indent=1)
sys.stdout.write("\n")
