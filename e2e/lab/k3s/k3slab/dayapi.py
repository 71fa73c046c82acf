"""The stand-in API's routes for day-two work: cordon/uncordon (PATCH of spec.unschedulable),
pods and the eviction API (what `kubectl drain` uses), Deployments and PodDisruptionBudgets to
give drain something to do, and the node-password secrets of kube-system."""
import re
from urllib.parse import parse_qs, unquote

from . import workloads
from .common import api_status

NS = r"/api/v1/namespaces/([a-z0-9-]+)"


REASON = {404: "NotFound", 409: "AlreadyExists", 422: "Invalid", 429: "TooManyRequests"}


def handle(h, method):
    """Answers the request when it is a day-two route; returns False otherwise."""
    path, _, query = h.path.partition("?")
    store = h.server.store

    def answer(code, body):
        h.send(code, body)

    def done(result, ok_body):
        code, message = result
        if message:
            details = {"causes": [{"reason": "DisruptionBudget", "message": message}]} if code == 429 else None
            return answer(code, api_status(code, REASON.get(code, "InternalError"), message, details))
        return answer(code, ok_body)

    m = re.fullmatch(r"/api/v1/nodes/([^/]+)", path)
    if method == "PATCH" and m:
        name = unquote(m.group(1))
        def local():
            value = (h.body().get("spec") or {}).get("unschedulable", False)
            n = store.set_unschedulable(name, value)
            return answer(200, n) if n else answer(404, api_status(404, "NotFound", 'nodes "%s" not found' % name))
        h.upstream_or(local)
        return True

    if method == "GET" and (path == "/api/v1/pods" or re.fullmatch(NS + "/pods", path)):
        ns = re.fullmatch(NS + "/pods", path).group(1) if path != "/api/v1/pods" else None
        sel = parse_qs(query).get("fieldSelector", [""])[0]
        node = sel.split("=", 1)[1] if sel.startswith("spec.nodeName=") else None
        h.upstream_or(lambda: answer(200, store.tx(lambda d: workloads.pod_list(d, ns, node), write=False)))
        return True

    m = re.fullmatch(NS + "/pods/([^/]+)/eviction", path)
    if method == "POST" and m:
        ns, name = m.group(1), unquote(m.group(2))
        def local():
            h.body()
            return done(store.tx(lambda d: workloads.evict(d, ns, name)),
                        {"kind": "Status", "apiVersion": "v1", "status": "Success", "code": 201})
        h.upstream_or(local)
        return True

    m = re.fullmatch(NS + "/pods/([^/]+)", path)
    if method == "DELETE" and m:
        ns, name = m.group(1), unquote(m.group(2))
        def local():
            def rm(d):
                if d["pods"].pop(workloads.key(ns, name), None) is None:
                    return 404, 'pods "%s" not found' % name
                workloads.reconcile(d)
                return 200, None
            return done(store.tx(rm), {"kind": "Status", "apiVersion": "v1", "status": "Success"})
        h.upstream_or(local)
        return True

    creators = {NS + "/pods": workloads.create_pod,
                r"/apis/apps/v1/namespaces/([a-z0-9-]+)/deployments": workloads.create_deployment,
                r"/apis/policy/v1/namespaces/([a-z0-9-]+)/poddisruptionbudgets": workloads.create_pdb}
    for pattern, create in creators.items():
        m = re.fullmatch(pattern, path)
        if method == "POST" and m:
            ns = m.group(1)
            def local(ns=ns, create=create):
                doc = h.body()
                return done(store.tx(lambda d: create(d, ns, doc)), doc)
            h.upstream_or(local)
            return True

    m = re.fullmatch(r"/apis/policy/v1/namespaces/([a-z0-9-]+)/poddisruptionbudgets/([^/]+)", path)
    if method == "DELETE" and m:
        ns, name = m.group(1), unquote(m.group(2))
        def local():
            def rm(d):
                if d["pdbs"].pop(workloads.key(ns, name), None) is None:
                    return 404, 'poddisruptionbudgets.policy "%s" not found' % name
                return 200, None
            return done(store.tx(rm), {"kind": "Status", "apiVersion": "v1", "status": "Success"})
        h.upstream_or(local)
        return True

    if method == "GET" and path == "/api/v1/namespaces/kube-system/secrets":
        def local():
            items = [{"kind": "Secret", "apiVersion": "v1", "type": "Opaque",
                      "metadata": {"name": n, "namespace": "kube-system"}} for n in store.secret_names()]
            return answer(200, {"kind": "SecretList", "apiVersion": "v1", "metadata": {}, "items": items})
        h.upstream_or(local)
        return True

    m = re.fullmatch(r"/api/v1/namespaces/kube-system/secrets/([^/]+)", path)
    if method == "DELETE" and m:
        name = unquote(m.group(1))
        def local():
            if store.delete_secret(name):
                return answer(200, {"kind": "Status", "apiVersion": "v1", "status": "Success", "details": {"name": name, "kind": "secrets"}})
            return answer(404, api_status(404, "NotFound", 'secrets "%s" not found' % name))
        h.upstream_or(local)
        return True
    return False
