#!/usr/bin/env python3
"""The lab's K3s release mirror: serves ROOT over HTTP like the release site
(GITHUB_URL=<base>/k3s-io/k3s/releases) and the channel server
(INSTALL_K3S_CHANNEL_URL=<base>/v1-release/channels: a redirect whose last path
element is the version). A release broken for one arch (ROOT/broken.txt, lines "VERSION ARCH",
or "VERSION ARCH ADDRESS" for the host at ADDRESS only, written by `lab mirror break`) is served
from ROOT/broken/VERSION/: a build whose checksums match but that dies at start, as a bad
upstream build would. Usage: mirror.py ROOT ADDRESS PORT LOGFILE"""
import json, os, sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

ROOT, ADDR, PORT, LOG = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]


class Handler(SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (self.client_address[0], fmt % args))

    def do_GET(self):
        path = self.path.split("?")[0]
        channels = json.load(open(os.path.join(ROOT, "channels.json")))
        base = "http://%s" % self.headers.get("Host", "%s:%d" % (ADDR, PORT))
        if path.rstrip("/") == "/v1-release/channels":
            data = {"data": [{"id": k, "name": k, "latest": v, "links": {"self": "%s/v1-release/channels/%s" % (base, k)}}
                             for k, v in sorted(channels.items())]}
            return self.reply(200, json.dumps(data).encode(), "application/json")
        if path.startswith("/v1-release/channels/"):
            name = path.rsplit("/", 1)[1]
            if name not in channels:
                return self.reply(404, b'{"type":"error","status":"404","message":"channel not found"}', "application/json")
            self.send_response(302)
            self.send_header("Location", "%s/k3s-io/k3s/releases/tag/%s" % (base, channels[name]))
            self.send_header("Content-Length", "0")
            return self.end_headers()
        broken = self.broken_file(path)
        if broken:
            return self.reply(200, open(broken, "rb").read(), "application/octet-stream")
        if path.startswith("/k3s-io/k3s/releases/tag/"):
            return self.reply(200, ("<html><body>Release %s</body></html>\n" % path.rsplit("/", 1)[1]).encode(), "text/html")
        return super().do_GET()

    def broken_file(self, path):
        """The broken build's file for a download of a version and arch marked broken, else None."""
        parts = path.split("/")
        if len(parts) != 7 or parts[1:5] != ["k3s-io", "k3s", "releases", "download"]:
            return None
        version, name = parts[5], parts[6]
        arch = {"k3s": "amd64", "k3s-arm64": "arm64", "k3s-armhf": "arm"}.get(name)
        if name.startswith("sha256sum-") and name.endswith(".txt"):
            arch = name[len("sha256sum-"):-4]
        try:
            marks = open(os.path.join(ROOT, "broken.txt")).read().split("\n")
        except OSError:
            return None
        f = os.path.join(ROOT, "broken", version, name)
        # broken for every host, or for this one only (other tests download the same release)
        marked = "%s %s" % (version, arch) in marks or "%s %s %s" % (version, arch, self.client_address[0]) in marks
        return f if arch and marked and os.path.exists(f) else None

    def do_HEAD(self):
        if self.path.startswith("/v1-release/") or "/releases/tag/" in self.path:
            return self.do_GET()
        return super().do_HEAD()

    def reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


ThreadingHTTPServer((ADDR, PORT), partial(Handler, directory=ROOT)).serve_forever()
