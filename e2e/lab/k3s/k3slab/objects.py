"""Two more API objects of a K3s cluster, as the server keeps them:

- kube-system/<node>.node-password.k3s: the hash of each node's password (K3s refuses a node
  whose password does not match it). Deleting a node deletes its secret too, as K3s's node
  controller does; deleting the secret alone lets the next registration set a new password.
- default/endpoints kubernetes: the address and port the API advertises (see listener.py).

Server routes (`route`) and kubectl verbs (`kubectl`) for both."""
import json, re, sys

SECRET = re.compile(r"^/api/v1/namespaces/kube-system/secrets/([a-z0-9.-]+)\.node-password\.k3s$")
ENDPOINTS = "/api/v1/namespaces/default/endpoints/kubernetes"


def _status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


def _secret(name, node):
    return {"kind": "Secret", "apiVersion": "v1", "type": "Opaque",
            "metadata": {"name": name + ".node-password.k3s", "namespace": "kube-system"},
            "data": {"hash": "(stored)"}}


def route(handler, method, path):
    """Answers the request and returns True when the path is one of these objects."""
    srv = handler.server
    m = SECRET.match(path)
    if m:
        node = m.group(1)
        name = node + ".node-password.k3s"
        def local():
            if method == "GET":
                has = srv.store.has_password(node)
                return handler.send(200, _secret(node, None)) if has else handler.send(404, _status(404, "NotFound", 'secrets "%s" not found' % name))
            if srv.store.forget_password(node):
                return handler.send(200, {"kind": "Status", "apiVersion": "v1", "status": "Success", "details": {"name": name, "kind": "secrets"}})
            return handler.send(404, _status(404, "NotFound", 'secrets "%s" not found' % name))
        handler.upstream_or(local)
        return True
    if path == ENDPOINTS and method == "GET":
        address, port = srv.advertised
        handler.send(200, {"kind": "Endpoints", "apiVersion": "v1", "metadata": {"name": "kubernetes", "namespace": "default"},
                           "subsets": [{"addresses": [{"ip": address}], "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]})
        return True
    return False


def kubectl(call, opts, verb, what, out):
    """`kubectl -n kube-system get|delete secret NAME`, `kubectl get endpoints kubernetes`."""
    kind, names = what[0], what[1:]
    ns = opts.get("namespace", opts.get("n")) or "default"
    if kind in ("secret", "secrets"):
        if ns != "kube-system" or not names:
            sys.stderr.write("error: lab stand-in: only kube-system node-password secrets, by name\n")
            sys.exit(1)
        for x in names:
            if verb == "get":
                doc = call(opts, "GET", "/api/v1/namespaces/kube-system/secrets/" + x)
                print(json.dumps(doc, indent=4) if out == "json" else "NAME%s   TYPE     DATA\n%s   Opaque   1" % (" " * (len(x) - 4), x))
            elif verb == "delete":
                call(opts, "DELETE", "/api/v1/namespaces/kube-system/secrets/" + x)
                print('secret "%s" deleted' % x)
        return
    if kind in ("endpoints", "ep") and verb == "get" and names == ["kubernetes"] and ns == "default":
        doc = call(opts, "GET", ENDPOINTS)
        if out == "json":
            print(json.dumps(doc, indent=4))
        else:
            s = doc["subsets"][0]
            print("NAME         ENDPOINTS\nkubernetes   %s:%d" % (s["addresses"][0]["ip"], s["ports"][0]["port"]))
        return
    sys.stderr.write('error: the server doesn\'t have a resource type "%s"\n' % kind)
    sys.exit(1)
