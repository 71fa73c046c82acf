# Faults for tests: lab fault NAME ACTION [ARG]

cmd_fault() {
  need_root
  local n=${1:-} a=${2:-} arg=${3:-} IP; [ -n "$a" ] || die "usage: lab fault NAME kill-sshd|start-sshd|stop|start|reboot|cut-net S|block-port P[/proto]|unblock-port P[/proto]|clear"
  host_conf "$n"
  case $a in
    kill-sshd)   # the listener and every session, and it stays down (no restart by systemd)
      cmd_exec "$n" sh -c 'systemctl mask --runtime --now ssh.service ssh.socket >/dev/null 2>&1; pkill -KILL -x sshd; true' ;;
    start-sshd)
      cmd_exec "$n" sh -c 'systemctl unmask --runtime ssh.service ssh.socket >/dev/null 2>&1; systemctl start ssh.service' ;;
    stop)  kill_host "$n"; log "$n: powered off (files kept)" ;;
    start) launcher_alive "$n" && { log "$n: already running"; return 0; }
           launch "$n"; wait_ready "$n"; log "$n: booted" ;;
    reboot)  # as `sudo reboot` on the host: systemd shuts down, nspawn exits 133, the launcher boots it again
      local old; old=$(init_pid "$n") || die "$n is not running"
      cmd_exec "$n" systemctl reboot >/dev/null 2>&1 || true
      local i; for i in $(seq 1 600); do [ "$(init_pid "$n" || true)" != "$old" ] && break; sleep 0.1; done
      wait_ready "$n"; log "$n: rebooted" ;;
    cut-net)   # all traffic of the host dropped for ARG seconds, restored by itself
      [[ $arg =~ ^[0-9]+$ ]] || die "cut-net needs SECONDS"
      cut_rules -A "$n" "$IP"
      setsid "$SELF" _uncut "$n" "$IP" "$arg" </dev/null >/dev/null 2>&1 9>&- &
      log "$n: network cut for ${arg}s" ;;
    block-port)   [ -n "$arg" ] || die "block-port needs PORT[/tcp|/udp]"; port_rule -A "$n" "$IP" "$arg" ;;
    unblock-port) [ -n "$arg" ] || die "unblock-port needs PORT[/tcp|/udp]"; port_rule -D "$n" "$IP" "$arg" ;;
    clear) fault_clear "$n" ;;
    *) die "unknown fault '$a'" ;;
  esac
}
_uncut() { sleep "$3"; cut_rules -D "$1" "$2"; }
