"""Certificates with the openssl CLI: cluster CAs, serving cert with SANs, client certs."""
import hashlib, ipaddress, os, secrets, subprocess, tempfile, time

from .common import SERVER_DIR

TLS = SERVER_DIR + "/tls"


def _openssl(*args, stdin=None):
    r = subprocess.run(["openssl", *args], input=stdin, capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("openssl %s: %s" % (args[0], r.stderr.decode(errors="replace").strip()))
    return r.stdout


def _key(path):
    _openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
    os.chmod(path, 0o600)


def ensure_ca(name, tls=TLS):
    crt, key = "%s/%s.crt" % (tls, name), "%s/%s.key" % (tls, name)
    if not (os.path.exists(crt) and os.path.exists(key)):
        os.makedirs(tls, mode=0o700, exist_ok=True)
        _key(key)
        _openssl("req", "-x509", "-new", "-key", key, "-out", crt, "-days", "3650", "-subj",
                 "/CN=k3s-%s@%d" % (name, int(time.time())), "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign")
    return crt, key


def ca_hash(ca_crt):
    """The hash agents check: sha256 of the CA bundle served at /cacerts."""
    return hashlib.sha256(open(ca_crt, "rb").read()).hexdigest()


def sign(ca, out_crt, out_key, cn, org=None, sans=(), client=False, days=365):
    ca_crt, ca_key = ca
    if not os.path.exists(out_key):
        _key(out_key)
    subj = "/CN=%s" % cn + ("/O=%s" % org if org else "")
    with tempfile.TemporaryDirectory() as d:
        csr, ext = os.path.join(d, "csr"), os.path.join(d, "ext")
        _openssl("req", "-new", "-key", out_key, "-subj", subj, "-out", csr)
        alt = []
        for s in sans:
            try:
                alt.append("IP:%s" % ipaddress.ip_address(s))
            except ValueError:
                alt.append("DNS:%s" % s)
        with open(ext, "w") as f:
            f.write("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n")
            f.write("extendedKeyUsage=%s\n" % ("clientAuth" if client else "serverAuth"))
            if alt:
                f.write("subjectAltName=%s\n" % ",".join(alt))
        # A random serial, as K3s's own CA gives: -CAcreateserial's shared .srl file raced when
        # several agents registered at once (a half-written serial failed the signing, and the
        # agent's register request was reset; it joined on its retry, seconds late).
        _openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                 "-set_serial", "0x%x" % secrets.randbits(126),
                 "-days", str(days), "-extfile", ext, "-out", out_crt)


def serving_cert(sans):
    """Re-issued when the SAN list changes (the real dynamic listener adds names too)."""
    crt, key, lst = TLS + "/serving-kube-apiserver.crt", TLS + "/serving-kube-apiserver.key", TLS + "/serving-sans"
    want = "\n".join(sorted(set(sans)))
    if not (os.path.exists(crt) and os.path.exists(lst) and open(lst).read() == want):
        sign(ensure_ca("server-ca"), crt, key, "k3s", org="k3s", sans=sorted(set(sans)))
        with open(lst, "w") as f:
            f.write(want)
    return crt, key


def admin_cert():
    crt, key = TLS + "/client-admin.crt", TLS + "/client-admin.key"
    if not os.path.exists(crt):
        sign(ensure_ca("client-ca"), crt, key, "system:admin", org="system:masters", client=True)
    return crt, key


def node_cert(name, out_dir):
    """A kubelet client certificate for a registered node (issued by the server)."""
    crt, key = os.path.join(out_dir, "client-%s.crt" % name), os.path.join(out_dir, "client-%s.key" % name)
    for p in (crt, key):
        if os.path.exists(p):
            os.remove(p)
    sign(ensure_ca("client-ca"), crt, key, "system:node:%s" % name, org="system:nodes", client=True)
    return open(crt).read(), open(key).read()
