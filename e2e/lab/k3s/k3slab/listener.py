"""The API listener as K3s sets it up: the names in the serving certificate, the address and
port the `kubernetes` service's endpoint advertises (default/endpoints kubernetes, served by
`route`, read by `kubectl get endpoints kubernetes`), and the node's service rule that maps
the in-cluster address 10.43.0.1:443 to that endpoint (kube-proxy's job on a real node).

Lab fault: K3S_LAB_SERVICE_PORT=N makes the endpoint advertise port N whatever the listener
does, which reproduces the documented trap of a non-default https-listen-port (in-cluster
clients get "connection refused" from https://10.43.0.1:443)."""
import ipaddress, os, re, socket, subprocess

from .common import log

CHAIN = "K3S-LAB-SERVICES"


def default_route_ipv4():
    """What K3s picks as the node IP when none is set: the default-route interface's address."""
    out = subprocess.run(["ip", "-4", "route", "show", "default"], capture_output=True, text=True).stdout
    m = re.search(r"\bdev (\S+)", out)
    if m:
        addr = subprocess.run(["ip", "-o", "-4", "addr", "show", "dev", m.group(1)], capture_output=True, text=True).stdout
        a = re.search(r"inet (\d+\.\d+\.\d+\.\d+)/", addr)
        if a:
            return a.group(1)
    return None


def node_ips(opts):
    ips = [str(x) for x in opts.get("node-ip", []) for x in str(x).split(",") if x]
    if not ips:
        # rootless: the default route is slirp4netns's tap0 in K3s's own network namespace
        ip = "10.0.2.100" if opts.get("rootless") else default_route_ipv4()
        ips = [ip] if ip else []
    return ips


def service_ip(opts):
    cidr = str(opts.get("service-cidr") or "10.43.0.0/16").split(",")[0]
    return str(ipaddress.ip_network(cidr, strict=False).network_address + 1)


def certificate_sans(opts, name):
    """K3s (tls-san-security on, the default): these and nothing a client asks for."""
    bind = opts.get("bind-address")
    sans = ["127.0.0.1", "::1", "localhost", socket.gethostname(), name, "kubernetes", "kubernetes.default",
            "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", service_ip(opts)]
    sans += node_ips(opts)
    sans += [str(x) for x in opts.get("node-external-ip", [])]
    if opts.get("advertise-address"):
        sans.append(str(opts["advertise-address"]))
    if bind and bind not in ("0.0.0.0", "::"):
        sans.append(str(bind))
    sans += [str(x) for x in opts.get("tls-san", [])]
    return sans


def advertised(opts, listen_port):
    """The `kubernetes` endpoint: advertise-address (else the node IP), advertise-port (else the listen port)."""
    ips = node_ips(opts)
    address = str(opts.get("advertise-address") or (ips[0] if ips else "127.0.0.1"))
    port = int(opts.get("advertise-port") or listen_port)
    fault = os.environ.get("K3S_LAB_SERVICE_PORT")
    if fault:
        port = int(fault)
    return address, port


def map_service(opts, listen_port):
    """10.43.0.1:443 -> the endpoint, for connections made on this node (its own chain, replaced at start)."""
    address, port = advertised(opts, listen_port)
    vip = service_ip(opts)
    ipt = ["iptables", "-w", "-t", "nat"]
    subprocess.run(ipt + ["-N", CHAIN], capture_output=True)
    subprocess.run(ipt + ["-F", CHAIN], capture_output=True)
    subprocess.run(ipt + ["-A", CHAIN, "-d", vip + "/32", "-p", "tcp", "--dport", "443", "-j", "DNAT",
                          "--to-destination", "%s:%d" % (address, port)], capture_output=True)
    if subprocess.run(ipt + ["-C", "OUTPUT", "-j", CHAIN], capture_output=True).returncode != 0:
        subprocess.run(ipt + ["-I", "OUTPUT", "-j", CHAIN], capture_output=True)
    # a route for the service network, as kube-proxy nodes have through their default route
    subprocess.run(["ip", "route", "replace", vip + "/32", "dev", "lo"], capture_output=True)
    log("info", "Service kube-system/kubernetes: %s:443 -> %s:%d" % (vip, address, port))
    return address, port


def x509_error(url):
    """Go's words for a server certificate without the dialled name (what kubectl and agents print)."""
    import ssl, tempfile
    from urllib.parse import urlsplit
    u = urlsplit(url)
    try:
        pem = ssl.get_server_certificate((u.hostname, u.port or 443))
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as f:
            f.write(pem)
            f.flush()
            alt = ssl._ssl._test_decode_cert(f.name).get("subjectAltName", ())
    except (OSError, ValueError):
        return "tls: failed to verify certificate: x509: certificate signed by unknown authority"
    try:
        ipaddress.ip_address(u.hostname)
        names = [v for k, v in alt if k == "IP Address"]
    except ValueError:
        names = [v for k, v in alt if k == "DNS"]
    return "tls: failed to verify certificate: x509: certificate is valid for %s, not %s" % (", ".join(names), u.hostname)


ENDPOINTS = "/api/v1/namespaces/default/endpoints/kubernetes"


def route(handler, path):
    """GET default/endpoints kubernetes; True when answered."""
    if path != ENDPOINTS:
        return False
    address, port = handler.server.advertised
    handler.send(200, {"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "kubernetes", "namespace": "default"},
                       "subsets": [{"addresses": [{"ip": address}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]})
    return True


def kubectl_endpoints(call, opts, names, out):
    """`kubectl get endpoints kubernetes` (the one endpoints object the stand-in has)."""
    import json, sys
    ns = opts.get("namespace", opts.get("n")) or "default"
    if names != ["kubernetes"] or ns != "default":
        sys.stderr.write('Error from server (NotFound): endpoints "%s" not found\n' % ",".join(names))
        sys.exit(1)
    doc = call(opts, "GET", ENDPOINTS)
    if out == "json":
        print(json.dumps(doc, indent=4))
    else:
        s = doc["subsets"][0]
        print("NAME         ENDPOINTS\nkubernetes   %s:%d" % (s["addresses"][0]["ip"], s["ports"][0]["port"]))
