#!/usr/bin/env python3
"""A minimal S3 client for the tests (AWS Signature V4, path-style), independent of the plugin's:
  s3_client.py ENDPOINT ACCESS SECRET mkbucket BUCKET
  s3_client.py ENDPOINT ACCESS SECRET list BUCKET          (one key per line)
  s3_client.py ENDPOINT ACCESS SECRET get BUCKET KEY       (the object's bytes on stdout)"""
import datetime
import hashlib
import hmac
import re
import sys
import urllib.parse
import urllib.request

endpoint, access, secret, command, bucket = sys.argv[1:6]
host = urllib.parse.urlparse(endpoint).netloc


def request(method, path, query=""):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    payload = hashlib.sha256(b"").hexdigest()
    path = urllib.parse.quote(path, safe="/-_.~")
    canonical = "\n".join([method, path, query, f"host:{host}", f"x-amz-content-sha256:{payload}",
                           f"x-amz-date:{amz_date}", "", "host;x-amz-content-sha256;x-amz-date",
                           payload])
    scope = f"{date}/us-east-1/s3/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                         hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + secret).encode()
    for part in (date, "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers = {"x-amz-date": amz_date, "x-amz-content-sha256": payload,
               "Authorization": f"AWS4-HMAC-SHA256 Credential={access}/{scope}, "
                                f"SignedHeaders=host;x-amz-content-sha256;x-amz-date, "
                                f"Signature={signature}"}
    url = endpoint + path + ("?" + query if query else "")
    with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers)) as r:
        return r.read()


if command == "mkbucket":
    request("PUT", f"/{bucket}")
elif command == "list":
    body = request("GET", f"/{bucket}", "max-keys=1000").decode()
    print("\n".join(re.findall(r"<Key>([^<]*)</Key>", body)))
elif command == "get":
    sys.stdout.buffer.write(request("GET", f"/{bucket}/{sys.argv[6]}"))
