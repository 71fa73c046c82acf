"""Namespaces, service accounts, RBAC (Role, RoleBinding) and TokenRequest in the stand-in API:
enough for a student's kubeconfig (a service-account token bound to a Role in its namespace) to
list pods there and be refused everything else, through the real kubectl, as on K3s.

Modelled on Kubernetes: a service account's user is system:serviceaccount:NS:NAME; RBAC allows
only what a rule grants (no ClusterRoleBindings here: cluster-scoped requests are Forbidden);
bound tokens expire (TokenRequest spec.expirationSeconds) and die with their service account;
deleting a namespace deletes what is in it. Admin (system:masters or the server token) may do
everything. The stand-in runs no workloads: pod lists are empty."""
import base64, hashlib, hmac, json, os, secrets, threading, time, uuid

from .common import SERVER_DIR, api_status
from .store import now_iso

STATE = SERVER_DIR + "/lab-rbac.json"
RBAC = "rbac.authorization.k8s.io"
BUILTIN_NS = ("default", "kube-system", "kube-public", "kube-node-lease")
# resource -> (API group, kind, namespaced)
KINDS = {
    "namespaces": ("", "Namespace", False),
    "serviceaccounts": ("", "ServiceAccount", True),
    "pods": ("", "Pod", True),
    "roles": (RBAC, "Role", True),
    "rolebindings": (RBAC, "RoleBinding", True),
}
BY_KIND = {kind: res for res, (_, kind, _) in KINDS.items()}
CORE_EXTRA = [  # what /api/v1 lists besides nodes
    {"name": "namespaces", "singularName": "namespace", "namespaced": False, "kind": "Namespace", "shortNames": ["ns"],
     "verbs": ["create", "delete", "get", "list", "update"]},
    {"name": "serviceaccounts", "singularName": "serviceaccount", "namespaced": True, "kind": "ServiceAccount",
     "shortNames": ["sa"], "verbs": ["create", "delete", "get", "list", "update"]},
    {"name": "serviceaccounts/token", "singularName": "", "namespaced": True, "group": "authentication.k8s.io",
     "version": "v1", "kind": "TokenRequest", "verbs": ["create"]},
    {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod", "shortNames": ["po"],
     "verbs": ["get", "list"]},
]
RBAC_RESOURCES = [
    {"name": "roles", "singularName": "role", "namespaced": True, "kind": "Role", "verbs": ["create", "delete", "get", "list", "update"]},
    {"name": "rolebindings", "singularName": "rolebinding", "namespaced": True, "kind": "RoleBinding",
     "verbs": ["create", "delete", "get", "list", "update"]},
]
_lock = threading.RLock()


class State:
    def __init__(self):
        try:
            self.d = json.load(open(STATE))
        except (OSError, ValueError):
            self.d = {"key": secrets.token_hex(32), "objects": {}}
        for ns in BUILTIN_NS:
            self.d["objects"].setdefault("namespaces//" + ns, self._meta({"apiVersion": "v1", "kind": "Namespace",
                                                                            "metadata": {"name": ns}}))

    def save(self):
        tmp = STATE + ".tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(self.d, f)
        os.replace(tmp, STATE)

    @staticmethod
    def _meta(obj, ns=None):
        m = obj.setdefault("metadata", {})
        m.setdefault("uid", str(uuid.uuid4()))
        m.setdefault("creationTimestamp", now_iso())
        m["resourceVersion"] = str(int(time.time() * 1000))
        if ns:
            m["namespace"] = ns
        if obj.get("kind") == "Namespace":
            obj["status"] = {"phase": "Active"}
        return obj

    def get(self, res, ns, name):
        return self.d["objects"].get("%s/%s/%s" % (res, ns or "", name))

    def list(self, res, ns):
        pre = "%s/%s/" % (res, ns or "")
        return [o for k, o in sorted(self.d["objects"].items()) if k.startswith(pre) or (ns is None and k.startswith(res + "/"))]

    def put(self, res, ns, obj):
        self.d["objects"]["%s/%s/%s" % (res, ns or "", obj["metadata"]["name"])] = self._meta(obj, ns)
        self.save()
        return obj

    def delete(self, res, ns, name):
        key = "%s/%s/%s" % (res, ns or "", name)
        obj = self.d["objects"].pop(key, None)
        if obj and res == "namespaces":  # what the namespace held goes with it
            for k in [k for k in self.d["objects"] if k.split("/")[1] == name]:
                del self.d["objects"][k]
        self.save()
        return obj

    # ---- bound service-account tokens: header.payload.signature, signed with the server's key
    def token(self, ns, sa, seconds):
        exp = int(time.time() + seconds)
        b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
        sa_obj = self.get("serviceaccounts", ns, sa)
        head = b64(json.dumps({"alg": "HS256", "kid": "k3s-lab"}).encode())
        body = b64(json.dumps({"iss": "https://kubernetes.default.svc.cluster.local", "sub": "system:serviceaccount:%s:%s" % (ns, sa),
                               "exp": exp, "iat": int(time.time()), "kubernetes.io": {"namespace": ns, "serviceaccount": {
                                   "name": sa, "uid": sa_obj["metadata"]["uid"]}}}).encode())
        sig = b64(hmac.new(bytes.fromhex(self.d["key"]), (head + "." + body).encode(), hashlib.sha256).digest())
        return "%s.%s.%s" % (head, body, sig), exp

    def user_of(self, tok):
        """The service account a valid, unexpired token belongs to: (namespace, name), or None."""
        parts = tok.split(".")
        if len(parts) != 3:
            return None
        want = base64.urlsafe_b64encode(hmac.new(bytes.fromhex(self.d["key"]), (parts[0] + "." + parts[1]).encode(),
                                                 hashlib.sha256).digest()).rstrip(b"=").decode()
        if not hmac.compare_digest(want, parts[2]):
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        info = claims.get("kubernetes.io", {})
        ns, sa = info.get("namespace"), info.get("serviceaccount", {})
        obj = self.get("serviceaccounts", ns, sa.get("name"))
        if claims.get("exp", 0) < time.time() or not obj or obj["metadata"]["uid"] != sa.get("uid"):
            return None
        return ns, sa["name"]

    def allowed(self, user, verb, group, res, ns):
        """RBAC: a RoleBinding in ns naming the service account, whose Role has a matching rule."""
        if ns is None:
            return False
        uns, uname = user
        for b in self.list("rolebindings", ns):
            if not any(s.get("kind") == "ServiceAccount" and s.get("name") == uname and s.get("namespace", ns) == uns
                       for s in b.get("subjects", [])):
                continue
            ref = b.get("roleRef", {})
            role = self.get("roles", ns, ref.get("name")) if ref.get("kind") == "Role" else None
            for rule in (role or {}).get("rules", []):
                ok = lambda vals, v: "*" in vals or v in vals
                if ok(rule.get("apiGroups", []), group) and ok(rule.get("resources", []), res) and ok(rule.get("verbs", []), verb):
                    return True
        return False


_state = None


def state():
    global _state
    with _lock:
        if _state is None:
            _state = State()
        return _state


def _route(path):
    """/api/v1/... or /apis/rbac.authorization.k8s.io/v1/... -> (group, ns, resource, name, sub) or None."""
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, rest = "", parts[2:]
    elif parts[:3] == ["apis", RBAC, "v1"]:
        group, rest = RBAC, parts[3:]
    else:
        return None
    ns = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        ns, rest = rest[1], rest[2:]
    if not rest or rest[0] not in KINDS or KINDS[rest[0]][0] != group:
        return None
    return group, ns, rest[0], (rest[1] if len(rest) > 1 else None), (rest[2] if len(rest) > 2 else None)


def _bearer_user(h):
    auth = h.headers.get("Authorization", "")
    return state().user_of(auth[7:].strip()) if auth.startswith("Bearer ") else None


def handle(h, method):
    """Called first by the API's handlers: True when answered here."""
    path = h.path.split("?")[0]
    user = _bearer_user(h)
    admin = not user and h.is_admin()
    if not user and not admin:
        return False  # the server's own answer (401, or its public paths)
    if method == "GET" and path in ("/api/v1", "/apis", "/apis/" + RBAC, "/apis/%s/v1" % RBAC):
        return _discovery(h, path)
    if user and method == "GET" and path in ("/api", "/version", "/readyz", "/livez", "/healthz"):
        # system:discovery and system:public-info-viewer: every authenticated user
        return _public(h, path)
    r = _route(path)
    if r is None:
        if user:  # nodes and anything cluster-wide
            res = [p for p in path.split("/") if p][2:3] or ["the server"]
            verb = {"GET": "list" if path.count("/") <= 3 else "get", "DELETE": "delete", "POST": "create"}.get(method, method.lower())
            return _forbidden(h, user, verb, "", res[0], None)
        return False
    group, ns, res, name, sub = r
    if res == "pods" and admin:
        return False  # pods are the workloads' (dayapi.py)
    verb = {"GET": "get" if name else "list", "POST": "create", "PUT": "update", "DELETE": "delete"}.get(method, method.lower())
    if sub == "token":
        verb, res_check = "create", "serviceaccounts/token"
    else:
        res_check = res
    if user and not state().allowed(user, verb, group, res_check, ns if KINDS[res][2] else None):
        return _forbidden(h, user, verb, group, res_check, ns if KINDS[res][2] else None)
    with _lock:
        return _serve(h, method, group, ns, res, name, sub)


def _discovery(h, path):
    if path == "/api/v1":
        nodes = {"name": "nodes", "singularName": "node", "namespaced": False, "kind": "Node", "shortNames": ["no"],
                 "verbs": ["delete", "get", "list"]}
        return h.send(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [nodes] + CORE_EXTRA}) or True
    group = {"name": RBAC, "versions": [{"groupVersion": RBAC + "/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": RBAC + "/v1", "version": "v1"}}
    if path == "/apis":
        return h.send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [group]}) or True
    if path == "/apis/" + RBAC:
        return h.send(200, dict(group, kind="APIGroup", apiVersion="v1")) or True
    return h.send(200, {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": RBAC + "/v1",
                        "resources": RBAC_RESOURCES}) or True


def _public(h, path):
    from .common import ARCH, COMMIT, GO, VERSION
    if path == "/api":
        return h.send(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": h.headers.get("Host", "")}]}) or True
    if path == "/version":
        major, minor = VERSION[1:].split(".")[:2]
        return h.send(200, {"major": major, "minor": minor, "gitVersion": VERSION, "gitCommit": COMMIT,
                            "gitTreeState": "clean", "goVersion": GO, "compiler": "gc", "platform": "linux/" + ARCH}) or True
    return h.send(200, b"ok", "text/plain") or True


def _forbidden(h, user, verb, group, res, ns):
    who = "system:serviceaccount:%s:%s" % user
    where = 'in the namespace "%s"' % ns if ns else "at the cluster scope"
    msg = '%s is forbidden: User "%s" cannot %s resource "%s" in API group "%s" %s' % (res, who, verb, res, group, where)
    h.send(403, api_status(403, "Forbidden", msg, {"kind": res}))
    return True


def _list(h, res, items):
    group, kind, _ = KINDS[res]
    if "as=Table" in h.headers.get("Accept", ""):
        cols = [{"name": "Name", "type": "string", "format": "name", "description": "Name", "priority": 0},
                {"name": "Age", "type": "string", "format": "", "description": "Age", "priority": 0}]
        from .kubectl import age
        return h.send(200, {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": ""},
                            "columnDefinitions": cols,
                            "rows": [{"cells": [o["metadata"]["name"], age(o["metadata"]["creationTimestamp"])],
                                      "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                                 "metadata": o["metadata"]}} for o in items]}) or True
    api = (group + "/v1") if group else "v1"
    return h.send(200, {"kind": kind + "List", "apiVersion": api, "metadata": {"resourceVersion": ""}, "items": items}) or True


def _serve(h, method, group, ns, res, name, sub):
    st = state()
    namespaced = KINDS[res][2]
    if namespaced and not st.get("namespaces", None, ns):
        if method != "GET" or name:
            return h.send(404, api_status(404, "NotFound", 'namespaces "%s" not found' % ns)) or True
    if res == "pods":
        # the workloads' pods (dayapi.py) once RBAC allowed the request; none when it has no answer
        from . import dayapi
        if dayapi.handle(h, method):
            return True
        if name:
            return h.send(404, api_status(404, "NotFound", 'pods "%s" not found' % name, {"name": name, "kind": "pods"})) or True
        return _list(h, res, [])
    key_ns = ns if namespaced else None
    if method == "GET":
        if not name:
            return _list(h, res, st.list(res, key_ns) if namespaced or res != "namespaces" else st.list(res, ""))
        obj = st.get(res, key_ns, name)
        if not obj:
            return h.send(404, api_status(404, "NotFound", '%s "%s" not found' % (res, name), {"name": name, "kind": res})) or True
        return h.send(200, obj) or True
    if method == "POST" and sub == "token":
        if not st.get("serviceaccounts", ns, name):
            return h.send(404, api_status(404, "NotFound", 'serviceaccounts "%s" not found' % name)) or True
        req = h.body()
        seconds = int((req.get("spec") or {}).get("expirationSeconds") or 3600)
        tok, exp = st.token(ns, name, max(600, seconds))
        return h.send(201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                            "metadata": {"name": name, "namespace": ns}, "spec": req.get("spec") or {},
                            "status": {"token": tok, "expirationTimestamp": now_iso(exp)}}) or True
    if method in ("POST", "PUT"):
        obj = h.body()
        oname = (obj.get("metadata") or {}).get("name")
        if not oname or obj.get("kind") != KINDS[res][1]:
            return h.send(400, api_status(400, "BadRequest", "the object must be a %s with metadata.name" % KINDS[res][1])) or True
        if method == "POST" and st.get(res, key_ns, oname):
            return h.send(409, api_status(409, "AlreadyExists", '%s "%s" already exists' % (res, oname),
                                       {"name": oname, "kind": res})) or True
        if method == "PUT" and (oname != name or not st.get(res, key_ns, name)):
            return h.send(404, api_status(404, "NotFound", '%s "%s" not found' % (res, name))) or True
        return h.send(201 if method == "POST" else 200, st.put(res, key_ns, obj)) or True
    if method == "DELETE" and name:
        if res == "namespaces" and name in BUILTIN_NS:
            return h.send(403, api_status(403, "Forbidden", 'namespaces "%s" is forbidden: this namespace may not be deleted' % name)) or True
        obj = st.delete(res, key_ns, name)
        if not obj:
            return h.send(404, api_status(404, "NotFound", '%s "%s" not found' % (res, name), {"name": name, "kind": res})) or True
        return h.send(200, obj) or True
    return h.send(405, api_status(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")) or True
