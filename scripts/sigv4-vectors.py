#!/usr/bin/env python3
"""Writes SigV4 test vectors signed by botocore (an independent implementation), for the Swift
signer tests to compare byte for byte.

Usage: scripts/sigv4-vectors.py > Tests/CoreTests/Resources/sigv4-vectors.json
"""
import datetime
import json
import sys
from unittest import mock

import botocore.auth
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

WHEN = datetime.datetime(2026, 11, 27, 10, 53, 27, tzinfo=datetime.timezone.utc)
KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//////////token+with/odd=chars"
FORM = "application/x-www-form-urlencoded; charset=utf-8"

CASES = [
    dict(name="ec2 query form body", method="POST", url="https://ec2.us-east-1.amazonaws.com/",
         headers=[["Content-Type", FORM]], service="ec2", region="us-east-1",
         body="Action=DescribeVpcEndpoints&Version=2016-11-15&VpcEndpointId.1=vpce-0123456789abcdef0"),
    dict(name="ec2 with session token", method="POST", url="https://ec2.ap-southeast-2.amazonaws.com/",
         headers=[["Content-Type", FORM]], service="ec2", region="ap-southeast-2", token=TOKEN,
         body="Action=CreateVpcEndpoint&ClientToken=su_01ABC.metrics.1&ServiceName=com.amazonaws.vpce.ap-southeast-2.vpce-svc-06a30d6a016b746ff&SubnetId.1=subnet-01234567&TagSpecification.1.Tag.1.Key=privatelinkd%3Asetup&Version=2016-11-15&VpcEndpointType=Interface&VpcId=vpc-0123456789abcdef0"),
    dict(name="ec2 filter values needing encoding", method="POST", url="https://ec2.eu-west-2.amazonaws.com/",
         headers=[["Content-Type", FORM]], service="ec2", region="eu-west-2",
         body="Action=DescribeVpcEndpoints&Filter.1.Name=tag%3Aprivatelinkd%3Asetup&Filter.1.Value.1=a%20b%2Fc%2B%3D&Version=2016-11-15"),
    dict(name="sts query string", method="GET",
         url="https://sts.us-east-1.amazonaws.com/?Version=2011-06-15&Action=GetCallerIdentity",
         headers=[], service="sts", region="us-east-1", body=""),
    dict(name="sts assume role form", method="POST", url="https://sts.eu-west-1.amazonaws.com/",
         headers=[["Content-Type", FORM]], service="sts", region="eu-west-1", token=TOKEN,
         body="Action=AssumeRole&DurationSeconds=3600&ExternalId=ext-123&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fprivatelinkd&RoleSessionName=privatelinkd&Version=2011-06-15"),
    dict(name="route53 get with query and content sha", method="GET",
         url="https://route53.amazonaws.com/2013-04-01/hostedzone/Z1D633PJN98FT9/rrset?name=metrics.agent.datadoghq.com.&type=A&maxitems=100",
         headers=[["X-Amz-Content-SHA256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]],
         service="route53", region="us-east-1", body=""),
    dict(name="route53 post xml", method="POST", url="https://route53.amazonaws.com/2013-04-01/hostedzone",
         headers=[["Content-Type", "text/xml"]], service="route53", region="us-east-1",
         body='<?xml version="1.0" encoding="UTF-8"?><CreateHostedZoneRequest xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><Name>metrics.agent.datadoghq.com</Name><CallerReference>su_01ABC.metrics</CallerReference><VPC><VPCRegion>us-east-1</VPCRegion><VPCId>vpc-0123456789abcdef0</VPCId></VPC><HostedZoneConfig><PrivateZone>true</PrivateZone></HostedZoneConfig></CreateHostedZoneRequest>'),
    dict(name="route53 path needing encoding", method="GET",
         url="https://route53.amazonaws.com/2013-04-01/hostedzone/Z1%2FA%20b/caf%C3%A9~x/rrset?name=%2A.agent.ap2.datadoghq.com.&type=CNAME",
         headers=[], service="route53", region="us-east-1", body=""),
    dict(name="dot segments and double slashes", method="GET",
         url="https://example.amazonaws.com/a/./b/../c//d/", headers=[], service="ec2", region="us-east-1", body=""),
    dict(name="repeated query keys", method="GET",
         url="https://ec2.us-east-1.amazonaws.com/?b=2&a=z&a=y&c=%20&d=", headers=[], service="ec2", region="us-east-1", body=""),
    dict(name="emulator on a non-default port", method="POST", url="http://127.0.0.1:5000/",
         headers=[["Content-Type", FORM]], service="ec2", region="us-west-2", token=TOKEN,
         body="Action=DescribeVpcs&Version=2016-11-15"),
    dict(name="header whitespace is trimmed", method="POST", url="https://ec2.us-east-1.amazonaws.com/",
         headers=[["Content-Type", FORM], ["X-Amz-Meta", "  several   spaces  inside "]], service="ec2", region="us-east-1",
         body="Action=DescribeVpcs&Version=2016-11-15"),
]


class RecordingSigV4Auth(SigV4Auth):
    """botocore's signer, keeping the canonical request and string to sign it computed."""

    def canonical_request(self, request):
        self.recorded_canonical_request = super().canonical_request(request)
        return self.recorded_canonical_request

    def string_to_sign(self, request, canonical_request):
        self.recorded_string_to_sign = super().string_to_sign(request, canonical_request)
        return self.recorded_string_to_sign


def sign(case):
    request = AWSRequest(method=case["method"], url=case["url"], data=case["body"].encode("utf-8"),
                         headers=dict(case["headers"]))
    credentials = Credentials(KEY[0], KEY[1], case.get("token"))
    auth = RecordingSigV4Auth(credentials, case["service"], case["region"])
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=WHEN):
        auth.add_auth(request)
    return dict(
        case,
        access_key=KEY[0], secret_key=KEY[1], token=case.get("token"),
        timestamp=WHEN.timestamp(),
        amz_date=request.context["timestamp"],
        canonical_request=auth.recorded_canonical_request,
        string_to_sign=auth.recorded_string_to_sign,
        authorization=request.headers["Authorization"],
    )


json.dump({"generator": "botocore.auth.SigV4Auth", "vectors": [sign(c) for c in CASES]}, sys.stdout, indent=1)
sys.stdout.write("\n")
