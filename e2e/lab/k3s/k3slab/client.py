"""HTTPS client of the stand-in: CA pinning, client certificates, basic/bearer auth."""
import base64, http.client, json, os, ssl, tempfile
from urllib.parse import urlsplit


class HTTPError(Exception):
    def __init__(self, status, body):
        super().__init__("%d %s" % (status, body))
        self.status, self.body = status, body


def context(ca_pem=None, cert_pem=None, key_pem=None):
    if ca_pem is None:  # only for /cacerts, whose content is then checked against the token hash
        ctx = ssl._create_unverified_context()
    else:
        ctx = ssl.create_default_context(cadata=ca_pem)
    if cert_pem:
        # load_cert_chain wants files: a private temp file, removed at once
        fd, path = tempfile.mkstemp(prefix="k3s-cert-")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(cert_pem + "\n" + key_pem)
            ctx.load_cert_chain(path)
        finally:
            os.remove(path)
    return ctx


def request(url, method="GET", body=None, ctx=None, basic=None, bearer=None, headers=None, timeout=10):
    u = urlsplit(url)
    conn = http.client.HTTPSConnection(u.hostname, u.port or 443, context=ctx or context(), timeout=timeout)
    h = dict(headers or {})
    if basic:
        h["Authorization"] = "Basic " + base64.b64encode(("%s:%s" % basic).encode()).decode()
    if bearer:
        h["Authorization"] = "Bearer " + bearer
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    try:
        conn.request(method, u.path + ("?" + u.query if u.query else ""), body=data, headers=h)
        r = conn.getresponse()
        out = r.read()
    finally:
        conn.close()
    if r.status >= 400:
        raise HTTPError(r.status, out.decode(errors="replace").strip())
    return out


def parse_token(tok):
    """K10<ca hash>::<user>:<password> | K10<hash>::<id>.<secret> | bare password -> (hash, user, secret)."""
    tok = (tok or "").strip()
    ca_hash = None
    if tok.startswith("K10") and "::" in tok:
        ca_hash, tok = tok[3:].split("::", 1)
    if ":" in tok:
        user, secret = tok.split(":", 1)
    else:
        user, secret = "node", tok
    return ca_hash, user, secret


def kubeconfig(path):
    """(server URL, CA PEM, client cert PEM, client key PEM) of a k3s kubeconfig."""
    vals = {}
    for line in open(path).read().splitlines():
        s = line.strip().lstrip("- ").strip()
        for k in ("server", "certificate-authority-data", "client-certificate-data", "client-key-data", "token"):
            if s.startswith(k + ":"):
                vals.setdefault(k, s.split(":", 1)[1].strip())
    dec = lambda k: base64.b64decode(vals[k]).decode() if k in vals else None
    return vals.get("server"), dec("certificate-authority-data"), dec("client-certificate-data"), dec("client-key-data"), vals.get("token")
