"""`k3s server`: PKI, token, kubeconfig, and an HTTPS API on the https-listen-port
(/cacerts, agent registration, /api/v1/nodes, /version, /readyz) with mTLS."""
import base64, io, json, os, secrets, signal, socket, ssl, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import client, dayapi, listener, pki, rbac, rootless, tokens, workloads
from .common import (COMMIT, api_status, GO, KUBECONFIG, NODE_DIR, SERVER_DIR, VERSION, ARCH, check_memory_cgroup, fatal, go_error,
                     host_ipv4s, log, node_name, notify, settings)
from .store import Store

HEARTBEAT = float(os.environ.get("K3S_LAB_HEARTBEAT", "5"))


class API(BaseHTTPRequestHandler):
    server_version = "k3s"
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def setup(self):
        super().setup()
        self.connection.do_handshake()  # in this thread, not in accept()

    def send(self, code, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else (json.dumps(body) + "\n").encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_nodes(self, doc):
        """A node or node list; as a Table when the client asks for one (kubectl's get does)."""
        if "as=Table" not in self.headers.get("Accept", ""):
            return self.send(200, doc)
        from .kubectl import row
        items = doc["items"] if doc.get("kind") == "NodeList" else [doc]
        cols = [("Name", "string", "Name must be unique within a namespace."), ("Status", "string", "The status of the node"),
                ("Roles", "string", "The roles of the node"), ("Age", "string", "CreationTimestamp"),
                ("Version", "string", "Kubelet Version reported by the node.")]
        wide = [("Internal-IP", "string", "List of internal IPs for the node."),
                ("External-IP", "string", "List of external IPs for the node."),
                ("OS-Image", "string", "OS image reported by the node."),
                ("Kernel-Version", "string", "Kernel version reported by the node."),
                ("Container-Runtime", "string", "Container runtime reported by the node.")]
        defs = [{"name": n, "type": t, "format": "name" if n == "Name" else "", "description": d, "priority": p}
                for p, group in ((0, cols), (1, wide)) for n, t, d in group]
        self.send(200, {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": ""},
                        "columnDefinitions": defs,
                        "rows": [{"cells": row(n, True), "object": {"kind": "PartialObjectMetadata",
                                  "apiVersion": "meta.k8s.io/v1", "metadata": n["metadata"]}} for n in items]})

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(n) or b"{}")

    # ---- who is asking
    def peer(self):
        cert = self.connection.getpeercert()
        if not cert:
            return None, None
        d = {k: v for rdn in cert.get("subject", ()) for k, v in rdn}
        return d.get("commonName"), d.get("organizationName")

    def is_admin(self):
        cn, org = self.peer()
        if org == "system:masters":
            return True
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            _, _, sec = client.parse_token(auth[7:])
            return secrets.compare_digest(sec, self.server.password)
        return False

    def basic(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Basic "):
            return None, None
        try:
            user, pw = base64.b64decode(auth[6:]).decode().split(":", 1)
        except ValueError:
            return None, None
        return user, pw

    def join_allowed(self, server_role):
        user, pw = self.basic()
        if pw is None:
            return False
        if secrets.compare_digest(pw, self.server.password):
            return True
        return not server_role and self.server.store.token_valid(pw)  # bootstrap tokens join agents only

    def unauthorized(self):
        self.send(401, api_status(401, "Unauthorized", "Unauthorized"))

    # ---- routes
    def do_GET(self):
        p, srv = self.path.split("?")[0], self.server
        if tokens.handle(self, "GET", p):
            return
        if p == "/cacerts":
            return self.send(200, srv.ca_pem.encode(), "text/plain")
        if p == "/ping":
            return self.send(200, b"pong", "text/plain")
        if p == "/v1-k3s/server-bootstrap":
            if not self.join_allowed(True):
                return self.unauthorized()
            files = {n: open("%s/%s" % (pki.TLS, n)).read() for n in ("server-ca.crt", "server-ca.key", "client-ca.crt", "client-ca.key")}
            return self.send(200, {"files": files})
        if rbac.handle(self, "GET"):  # namespaces, RBAC, service-account tokens
            return
        if not self.is_admin():
            return self.unauthorized()
        if dayapi.handle(self, "GET"):
            return
        if p == "/v1-k3s/lab-leader":
            return self.send(200, {"holds": not srv.upstream})
        if p == "/v1-k3s/lab-datastore":  # etcd's replication, as far as the stand-in models it
            return self.upstream_or(lambda: self.send(200, srv.store.tx(lambda d: json.loads(json.dumps(d)), write=False)))
        if p in ("/readyz", "/livez", "/healthz"):
            return self.send(200, b"ok", "text/plain")
        if p == "/version":
            major, minor = VERSION[1:].split(".")[:2]
            return self.send(200, {"major": major, "minor": minor, "gitVersion": VERSION, "gitCommit": COMMIT,
                                   "gitTreeState": "clean", "goVersion": GO, "compiler": "gc", "platform": "linux/" + ARCH})
        # discovery, as much as the real kubectl needs for `get nodes` (legacy, not aggregated: a
        # plain application/json answer makes kubectl fall back to it, as with older servers)
        if p == "/api":
            return self.send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": self.headers.get("Host", "")}]})
        if p == "/apis":
            return self.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if p == "/api/v1":
            return self.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node", "shortNames": ["no"],
                 "verbs": ["delete", "get", "list"]}]})
        if p in ("/api/v1/nodes", "/api/v1/nodes/"):
            return self.upstream_or(lambda: self.send_nodes(srv.store.node_list()))
        if p.startswith("/api/v1/nodes/"):
            name = p.rsplit("/", 1)[1]
            def local():
                n = srv.store.node_json(name)
                return self.send_nodes(n) if n else self.send(404, api_status(404, "NotFound", 'nodes "%s" not found' % name))
            return self.upstream_or(local)
        if listener.route(self, p):
            return
        self.send(404, api_status(404, "NotFound", "the server could not find the requested resource"))

    def do_PATCH(self):
        if not self.is_admin():
            return self.unauthorized()
        if dayapi.handle(self, "PATCH"):
            return
        self.send(404, api_status(404, "NotFound", "the server could not find the requested resource"))

    def do_DELETE(self):
        p, srv = self.path.split("?")[0], self.server
        if tokens.handle(self, "DELETE", p):
            return
        if rbac.handle(self, "DELETE"):
            return
        if not self.is_admin():
            return self.unauthorized()
        if dayapi.handle(self, "DELETE"):
            return
        if p.startswith("/api/v1/nodes/"):
            name = p.rsplit("/", 1)[1]
            def local():
                if srv.store.delete(name):
                    return self.send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success", "details": {"name": name, "kind": "nodes"}})
                self.send(404, api_status(404, "NotFound", 'nodes "%s" not found' % name))
            return self.upstream_or(local)
        self.send(404, api_status(404, "NotFound", "the server could not find the requested resource"))

    def do_POST(self):
        p, srv = self.path.split("?")[0], self.server
        if p == "/v1-k3s/register":
            info = self.body()
            if not self.join_allowed(info.get("role") == "server"):
                return self.unauthorized()
            return self.upstream_or(lambda: self.register(dict(info)), trusted=True, body=info)
        if p == "/v1-k3s/heartbeat":
            cn, org = self.peer()
            name = cn[len("system:node:"):] if cn and cn.startswith("system:node:") else (self.headers.get("X-Lab-Node") if self.is_admin() else None)
            if not name:
                return self.unauthorized()
            return self.upstream_or(lambda: self.send(200 if srv.store.heartbeat(name) else 404,
                                                      {"name": name, "servers": server_urls(srv)}),
                                    extra={"X-Lab-Node": name})
        if self.is_admin() and dayapi.handle(self, "POST"):
            return
        if tokens.handle(self, "POST", p):
            return
        if rbac.handle(self, "POST"):
            return
        self.send(404, api_status(404, "NotFound", "the server could not find the requested resource"))

    def do_PUT(self):
        if self.path.split("?")[0] == "/v1-k3s/token":
            return tokens.rotate(self)
        if not rbac.handle(self, "PUT"):
            self.unauthorized()

    def register(self, info):
        err = self.server.store.register(info, info.pop("nodePassword", ""))
        if err:
            return self.send(403, api_status(403, "Forbidden", err))
        cert, key = pki.node_cert(info["name"], self.server.tmp)
        self.send(200, {"cert": cert, "key": key})

    def upstream_or(self, local, trusted=False, extra=None, body=None):
        """A server that joined another one keeps no datastore: it asks the first server."""
        up = self.server.upstream
        if not up:
            return local()
        if body is None:
            n = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(n) if n else None
        else:
            data = json.dumps(body).encode()
        h = dict(extra or {})
        if trusted and self.headers.get("Authorization"):
            h["Authorization"] = self.headers["Authorization"]
        for attempt in (0, 1):
            try:
                out = client.request(up + self.path, self.command, body=json.loads(data) if data else None,
                                     ctx=self.server.admin_ctx, headers=h)
                return self.send(200, out)
            except client.HTTPError as e:
                return self.send(e.status, e.body.encode())
            except OSError as e:
                # the datastore's server does not answer: a restart is waited for; one gone for
                # longer is left behind by the etcd members left (quorum kept)
                if not attempt:
                    until = time.time() + FAILOVER_AFTER + 2
                    while time.time() < until and not ping(self.server, up):
                        if failover(self.server, up):
                            break
                        time.sleep(1)
                    up = self.server.upstream
                    if up and ping(self.server, up):
                        continue
                if attempt or not failover(self.server, up):
                    return self.send(503, api_status(503, "ServiceUnavailable", "etcdserver: no leader: %s" % e))
                up = self.server.upstream
                if not up:
                    if body is None:  # the body was read for the upstream: local() reads it again
                        self.rfile = io.BytesIO(data or b"")
                    return local()


FAILOVER = threading.Lock()
FAILOVER_AFTER = float(os.environ.get("K3S_LAB_FAILOVER_AFTER", "8"))  # s a datastore's server may be away (a restart)


def ping(srv, url):
    try:
        client.request(url + "/ping", ctx=client.context(srv.ca_pem), timeout=3)
        return True
    except (client.HTTPError, OSError):
        return False


def holder(srv, members):
    """The member that holds the datastore now (another took over while this one was away), or None."""
    for name, url in members:
        if name == srv.node_name:
            continue
        try:
            if json.loads(client.request(url + "/v1-k3s/lab-leader", ctx=srv.admin_ctx, timeout=3)).get("holds"):
                return url
        except (client.HTTPError, OSError, ValueError):
            pass
    return None


def server_urls(srv):
    """Every server's supervisor URL, as the datastore lists the servers (the agents' load balancer list)."""
    with srv.store.lock:
        nodes = list(srv.store.data["nodes"].values())
    return sorted("https://%s:%d" % (n["ip"], srv.port) for n in nodes if n.get("role") == "server" and n.get("ip"))


def failover(srv, failed):
    """The server holding the datastore does not answer: the etcd members left (as the datastore
    lists them) take the first one by name that answers as the new one, when a quorum of the
    members is up; True when there is one again."""
    with FAILOVER:
        if srv.upstream != failed:
            return True  # chosen meanwhile
        since = srv.away.setdefault(failed, time.time())
        if time.time() - since < FAILOVER_AFTER:
            return False  # it may be restarting
        with srv.store.lock:
            members = sorted((n["name"], "https://%s:%d" % (n["ip"], srv.port)) for n in srv.store.data["nodes"].values()
                             if n.get("role") == "server" and n.get("etcd"))
        alive = []
        for name, url in members:
            if url.rstrip("/") == failed.rstrip("/"):
                continue
            if name == srv.node_name:
                alive.append((name, None))
                continue
            try:
                client.request(url + "/ping", ctx=client.context(srv.ca_pem), timeout=3)
                alive.append((name, url))
            except (client.HTTPError, OSError):
                pass
        if len(alive) < len(members) // 2 + 1:
            log("error", "etcd cluster has no quorum: %d of %d members answer; waiting" % (len(alive), len(members)))
            return False
        name, url = alive[0]
        srv.away.pop(failed, None)
        srv.upstream = url
        if url is None:
            srv.store.flush()
            log("info", "etcd: %s is gone; this server (%s) now holds the datastore" % (failed, name))
        else:
            log("info", "etcd: %s is gone; the datastore is on %s now" % (failed, url))
        return True


def mirror(srv, stop):
    """A further server keeps a copy of the datastore (etcd's replication), and notices when the
    server that holds it is gone."""
    while not stop.wait(2):
        up = srv.upstream
        if not up:
            continue
        try:
            data = json.loads(client.request(up + "/v1-k3s/lab-datastore", ctx=srv.admin_ctx))
            srv.away.pop(up, None)
            with srv.store.lock:
                srv.store.data = data
                srv.store.save()
        except client.HTTPError:
            pass
        except OSError:
            failover(srv, up)


# Go's listeners (K3s's) take the system's somaxconn as their backlog; socketserver's default
# of 5 dropped the SYNs of a 50-node cluster's flow test, which then saw "no answer".
BACKLOG = 4096


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = BACKLOG

    def handle_error(self, request, client_address):
        pass  # failed handshakes and dropped connections are the clients' business


def listen_plain(port):
    """kubelet / etcd ports: something answers there, as on a real node."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(BACKLOG)
    def loop():
        while True:
            c, _ = s.accept()
            c.close()
    threading.Thread(target=loop, daemon=True).start()


def write_kubeconfig(path, port, mode, host="127.0.0.1"):
    ca = open(pki.TLS + "/server-ca.crt").read()
    crt, key = pki.admin_cert()
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    text = ("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n    server: https://%s:%d\n"
            "  name: default\ncontexts:\n- context:\n    cluster: default\n    user: default\n  name: default\n"
            "current-context: default\nkind: Config\npreferences: {}\nusers:\n- name: default\n  user:\n"
            "    client-certificate-data: %s\n    client-key-data: %s\n") % (b64(ca), host, port, b64(open(crt).read()), b64(open(key).read()))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", int(str(mode), 8))
    os.replace(path + ".tmp", path)


BOOTSTRAP_MISMATCH = "Failed to reconcile with temporary etcd: bootstrap data already found and encrypted with different token"


def join_bootstrap(url, token, rejoin=False):
    """A further server: fetch the cluster CAs from the first one (server token only)."""
    ca_hash, user, pw = client.parse_token(token)
    while True:
        try:
            ca = client.request(url + "/cacerts").decode()
            got = __import__("hashlib").sha256(ca.encode()).hexdigest()
            if ca_hash and ca_hash != got:
                raise ValueError("token CA hash does not match the Cluster CA certificate hash: %s != %s" % (ca_hash, got))
            out = json.loads(client.request(url + "/v1-k3s/server-bootstrap", ctx=client.context(ca), basic=("server", pw)))
            break
        except client.HTTPError as e:
            if rejoin and e.status == 401:
                fatal(BOOTSTRAP_MISMATCH)
            log("error", "Failed to validate connection to cluster at %s: token is not valid: %s/v1-k3s/server-bootstrap: %d Unauthorized" % (url, url, e.status))
        except ValueError as e:
            log("error", "Failed to validate connection to cluster at %s: %s" % (url, e))
        except OSError as e:
            log("error", "Failed to validate connection to cluster at %s: failed to get CA certs: %s" % (url, go_error(url + "/cacerts", e)))
        time.sleep(2)
    os.makedirs(pki.TLS, mode=0o700, exist_ok=True)
    for n, text in out["files"].items():
        fd = os.open("%s/%s" % (pki.TLS, n), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    return pw


def run(args):
    opts, _ = settings(args)
    if opts.get("rootless"):
        rootless.check()
    check_memory_cgroup()
    log("info", "Starting k3s %s (%s)" % (VERSION, COMMIT))
    os.makedirs(SERVER_DIR, mode=0o700, exist_ok=True)
    upstream = opts.get("server") or None
    given = client.parse_token(str(opts["token"]))[2] if opts.get("token") else None
    if upstream:
        if not given:
            fatal("--token is required when joining a server")
        # a server that joined before holds the bootstrap data: a token that no longer opens it is fatal
        given = join_bootstrap(upstream.rstrip("/"), str(opts["token"]), rejoin=os.path.exists(pki.TLS + "/server-ca.crt"))
    ca_crt, _ = pki.ensure_ca("server-ca")
    pki.ensure_ca("client-ca")
    tok_path = SERVER_DIR + "/token"
    password = given
    if not password:
        try:
            password = client.parse_token(open(tok_path).read())[2]
        except OSError:
            password = secrets.token_hex(16)
    fd = os.open(tok_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("K10%s::server:%s\n" % (pki.ca_hash(ca_crt), password))
    if not os.path.islink(SERVER_DIR + "/node-token"):
        if os.path.exists(SERVER_DIR + "/node-token"):
            os.remove(SERVER_DIR + "/node-token")
        os.symlink(tok_path, SERVER_DIR + "/node-token")

    name = node_name(opts)
    ips = listener.node_ips(opts)
    node_ip = ips[0] if ips else (opts.get("advertise-address") or "127.0.0.1")
    srv_crt, srv_key = pki.serving_cert(listener.certificate_sans(opts, name))
    port = int(opts.get("https-listen-port", 6443))
    # rootless: the API listens in the namespace; the port controller binds it on the host at the
    # same port (LoadBalancer ports up to 1024 would be 10000 higher: rootless.host_port)
    bound = port
    bind = str(opts.get("bind-address") or "")
    # K3s writes the bind address into k3s.yaml when one is set (127.0.0.1 would be refused)
    here = bind if bind and bind not in ("0.0.0.0", "::") else "127.0.0.1"
    write_kubeconfig(opts.get("write-kubeconfig") or KUBECONFIG, port, opts.get("write-kubeconfig-mode") or "0600", here)

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(srv_crt, srv_key)
    ctx.load_verify_locations(SERVER_DIR + "/tls/client-ca.crt")
    ctx.verify_mode = ssl.CERT_OPTIONAL  # client certs are checked when given (kubectl, kubelets)
    httpd = Server((opts.get("bind-address") or "0.0.0.0", bound), API, bind_and_activate=True)
    httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True, do_handshake_on_connect=False)
    httpd.store, httpd.password, httpd.ca_pem = Store(), password, open(ca_crt).read()
    if not upstream:  # the bootstrap data in the datastore is encrypted with the cluster's token
        known = httpd.store.data.get("bootstrap")
        if known and known != tokens.bootstrap_hash(password):
            fatal(BOOTSTRAP_MISMATCH)
        if not known:
            httpd.store.tx(lambda d: d.__setitem__("bootstrap", tokens.bootstrap_hash(password)))
    httpd.tmp = SERVER_DIR + "/tls/temporary-certs"
    os.makedirs(httpd.tmp, mode=0o700, exist_ok=True)
    httpd.upstream = upstream.rstrip("/") if upstream else None
    httpd.node_name, httpd.port, httpd.away = name, port, {}
    httpd.advertised = listener.advertised(opts, port)
    if not upstream:  # the datastore's server: K3s' packaged components, as Deployments
        httpd.store.tx(lambda d: workloads.ensure_system(d, opts.get("disable", [])))
    adm = pki.admin_cert()
    httpd.admin_ctx = client.context(httpd.ca_pem, open(adm[0]).read(), open(adm[1]).read())
    if not upstream and (opts.get("cluster-init") or httpd.store.data.get("nodes")):
        # back after a while: another etcd member may hold the datastore now; this one follows it
        with httpd.store.lock:
            members = sorted((n["name"], "https://%s:%d" % (n["ip"], port)) for n in httpd.store.data["nodes"].values()
                             if n.get("role") == "server" and n.get("etcd"))
        took_over = holder(httpd, members)
        if took_over:
            log("info", "etcd: the datastore is on %s now; following it" % took_over)
            httpd.upstream = upstream = took_over
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    if opts.get("rootless"):  # the service rules and the kubelet's ports live in the namespace
        adv_ip, adv_port = listener.advertised(opts, port)
        log("info", "Bound parent port 0.0.0.0:%d/tcp to child namespace port %d" % (bound, port))
    else:
        adv_ip, adv_port = listener.map_service(opts, port)
    log("info", "Running kube-apiserver --advertise-address=%s --advertise-port=%d --secure-port=%d --tls-san=%s (stand-in)" % (adv_ip, adv_port, port, ",".join(opts.get("tls-san", []))))
    for p in ([] if opts.get("rootless") else [10250] + ([2379, 2380] if (opts.get("cluster-init") or upstream) else [])):
        listen_plain(p)
    if opts.get("disable"):
        log("info", "Disabled components: %s" % ",".join(opts["disable"]))

    me = {"name": name, "role": "server", "arch": ARCH, "ip": node_ip, "externalIP": (opts.get("node-external-ip") or [None])[0], "version": VERSION, "labels": labels(opts),
          "os": os_image(), "kernel": os.uname().release, "machineID": machine_id(),
          "etcd": bool(opts.get("cluster-init") or upstream)}
    local = "https://%s:%d" % (here, bound)
    node_ctx = None
    while node_ctx is None:  # a server is a node too: it registers with itself (or via the first server)
        try:
            out = json.loads(client.request(local + "/v1-k3s/register", "POST", dict(me, nodePassword=node_password()),
                                            ctx=client.context(httpd.ca_pem), basic=("server", password)))
            node_ctx = client.context(httpd.ca_pem, out["cert"], out["key"])
        except (client.HTTPError, OSError) as e:
            log("info", "Waiting to register node %s: %s" % (name, e))
            time.sleep(2)
    notify("READY=1")
    log("info", "k3s is up and running")

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    signal.signal(signal.SIGINT, lambda *a: stop.set())
    if upstream and me["etcd"]:
        threading.Thread(target=mirror, args=(httpd, stop), daemon=True).start()
    n = 0
    while not stop.wait(HEARTBEAT):
        try:
            client.request(local + "/v1-k3s/heartbeat", "POST", {}, ctx=node_ctx)
        except (client.HTTPError, OSError) as e:
            log("error", "Failed to update node %s status: %s" % (name, e))
        n += 1
        if n % 12 == 0 and not httpd.upstream:
            httpd.store.flush()
    httpd.store.flush()
    log("info", "Shutting down k3s")
    httpd.shutdown()
    sys.exit(0)


def labels(opts):
    out = {}
    for l in opts.get("node-label", []):
        k, _, v = str(l).partition("=")
        out[k] = v
    return out


def os_image():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def machine_id():
    try:
        return open("/etc/machine-id").read().strip()
    except OSError:
        return ""


def node_password():
    """/etc/rancher/node/password: made once per machine, sent at every join."""
    path = NODE_DIR + "/password"
    try:
        return open(path).read().strip()
    except OSError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        pw = secrets.token_hex(16)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(pw + "\n")
        return pw
