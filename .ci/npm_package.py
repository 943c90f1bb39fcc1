"""Fetch an npm package unchanged from the registry, checked against the integrity npm publishes for it,
and extract it under var/npm/node_modules (no Node.js needed):

    python3 .ci/npm_package.py NAME VERSION SHA512_BASE64
"""

import base64
import hashlib
import io
import sys
import tarfile
import urllib.request
from pathlib import Path

name, version, integrity = sys.argv[1:4]
target = Path("var/npm/node_modules") / name
tarball = f"https://registry.npmjs.org/{name}/-/{name.rsplit('/', 1)[-1]}-{version}.tgz"
data = urllib.request.urlopen(tarball, timeout=60).read()
if base64.b64encode(hashlib.sha512(data).digest()).decode() != integrity:
    sys.exit(f"{name} {version}: the tarball does not match its published integrity")
target.mkdir(parents=True, exist_ok=True)
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    for member in tar.getmembers():
        if member.isfile() and member.name.startswith("package/") and ".." not in member.name:
            member.name = member.name.removeprefix("package/")
            tar.extract(member, target)
