"""Entry point: the `k3s` multi-call binary (k3s, kubectl, crictl, ctr)."""
import os, sys

from .common import BROKEN, COMMIT, GO, VERSION, check_exec_format


def crash():
    """A bad build (`lab mirror break`): it starts, then the Go runtime dies, as a build for the
    wrong CPU variant does."""
    sys.stderr.write("SIGILL: illegal instruction\nPC=0x4a3f10 m=0 sigcode=2\ninstruction bytes: 0xf3 0x48 0xf 0xb8 0xc9 0x48 0x1 0xcb\n\n"
                     "goroutine 1 gp=0xc000002380 m=0 mp=0x6d1a40 [running, locked to thread]:\n"
                     "github.com/k3s-io/k3s/pkg/cli/cmds.NewApp()\n\t/go/src/github.com/k3s-io/k3s/pkg/cli/cmds/root.go:52 +0x30\n")
    sys.exit(2)


def usage():
    print("NAME:\n   k3s - Kubernetes, but small and simple\n\nUSAGE:\n   k3s [global options] command [command options]\n\n"
          "VERSION:\n   %s (%s)\n\nCOMMANDS:\n   server\n   agent\n   kubectl\n   crictl\n   ctr\n   check-config\n   token\n" % (VERSION, COMMIT))


def main():
    check_exec_format()
    prog = os.path.basename(sys.argv[0])
    args = sys.argv[1:]
    if prog in ("kubectl", "crictl", "ctr"):
        args = [prog] + args
    if not args or args[0] in ("-h", "--help", "help"):
        return usage()
    cmd, rest = args[0], args[1:]
    if cmd in ("--version", "-v", "version"):
        print("k3s version %s (%s)\ngo version %s" % (VERSION, COMMIT, GO))
    elif cmd in ("server", "agent") and BROKEN:
        crash()
    elif cmd == "server":
        from . import server
        server.run(rest)
    elif cmd == "agent":
        from . import agent
        agent.run(rest)
    elif cmd == "kubectl":
        from . import kubectl
        kubectl.kubectl(rest)
    elif cmd == "token":
        from . import tokens
        tokens.cli(rest)
    elif cmd == "check-config":
        print("Verifying binaries in /var/lib/rancher/k3s/data/current/bin:\n- sha256sum: good\n\nSystem:\n- cgroup hierarchy: cgroups V2 mounted\n\nSTATUS: pass (lab stand-in)")
    elif cmd in ("crictl", "ctr"):
        sys.stderr.write("%s: no container runtime in the lab stand-in\n" % cmd)
        sys.exit(1)
    else:
        sys.stderr.write("Incorrect Usage: No help topic for '%s'\n" % cmd)
        sys.exit(1)
