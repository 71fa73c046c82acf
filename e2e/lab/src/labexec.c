/*
 * labexec PID CMD...: runs CMD in the namespaces (IPC, UTS, network, PID, mount), root and
 * working directory of the process PID (a lab host's init), as
 * `nsenter -t PID -i -u -n -p -m -r -w` does, and waits for it.
 *
 * Not nsenter itself: entering a PID namespace, nsenter forks and waits with WUNTRACED, and when
 * its child stops it stops itself until someone sends it SIGCONT. A host shutting down stops
 * every process in it (systemd-shutdown: kill(-1, SIGSTOP), then SIGTERM/SIGKILL, SIGCONT): the
 * child dies, but nsenter, outside the host, stays stopped and never reaps it, and the kernel
 * keeps the host's PID namespace (and so its init and systemd-nspawn) until that zombie is reaped.
 * The host then never finished its reboot. Here the parent waits without WUNTRACED, so it reaps
 * the child whatever stopped it. It runs no other program itself: under qemu-user the parent,
 * outside the host's PID namespace, could not even start its threads.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child = -1;

static void forward(int sig) {
  if (child > 0) kill(child, sig);
}

static int open_of(const char *pid, const char *what, int flags) {
  char path[128];
  snprintf(path, sizeof path, "/proc/%s/%s", pid, what);
  int fd = open(path, O_RDONLY | O_CLOEXEC | flags);
  if (fd < 0) {
    fprintf(stderr, "labexec: %s: %s\n", path, strerror(errno));
    exit(125);
  }
  return fd;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: labexec PID CMD...\n");
    return 2;
  }
  static const char *const ns[] = {"ns/ipc", "ns/uts", "ns/net", "ns/pid", "ns/mnt"};
  int fds[5];
  for (int i = 0; i < 5; i++) fds[i] = open_of(argv[1], ns[i], 0);
  int root = open_of(argv[1], "root", O_DIRECTORY);
  int cwd = open_of(argv[1], "cwd", O_DIRECTORY);
  for (int i = 0; i < 5; i++) {
    if (setns(fds[i], 0) < 0) {
      fprintf(stderr, "labexec: setns %s: %s\n", ns[i], strerror(errno));
      return 125;
    }
    close(fds[i]);
  }
  if (fchdir(root) < 0 || chroot(".") < 0 || fchdir(cwd) < 0) {
    fprintf(stderr, "labexec: root or working directory of %s: %s\n", argv[1], strerror(errno));
    return 125;
  }
  close(root);
  close(cwd);

  signal(SIGCHLD, SIG_DFL);  // an inherited SIG_IGN would reap the child before we see its status
  child = fork();            // the child is the first process of ours in the host's PID namespace
  if (child < 0) {
    fprintf(stderr, "labexec: fork: %s\n", strerror(errno));
    return 125;
  }
  if (child == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "labexec: %s: %s\n", argv[2], strerror(errno));
    _exit(errno == ENOENT ? 127 : 126);
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = forward;
  int sigs[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);

  int status;
  while (waitpid(child, &status, 0) < 0) {  // no WUNTRACED: a stopped child is not our business
    if (errno != EINTR) {
      fprintf(stderr, "labexec: waitpid: %s\n", strerror(errno));
      return 125;
    }
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  // killed by a signal: end the same way, so callers see what they saw with nsenter
  int sig = WTERMSIG(status);
  signal(sig, SIG_DFL);
  kill(getpid(), sig);
  return 128 + sig;
}
