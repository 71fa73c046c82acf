#!/bin/bash
# Bakes the lab layer into an image root R (an overlay mounted by image.sh);
# runs on the build machine, with chroot for commands of the image.
# Env: SRC (lab/src), ARCH, NATIVE (the amd64 base, source of the sidecar files).
set -euo pipefail
R=$1
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

in_root useradd -m -s /bin/bash -G sudo lab
echo 'lab:lab-password' | in_root chpasswd
rm -f "$R"/etc/ssh/ssh_host_*        # each host gets its own (made at boot by the launcher)
: > "$R/etc/machine-id"              # idem; empty would also mean "first boot" to systemd
printf 'UseDNS no\nMaxStartups 100:30:200\nKbdInteractiveAuthentication no\n' > "$R/etc/ssh/sshd_config.d/10-lab.conf"

# units a lab host does not want (network is set up from outside; no timers)
for u in systemd-networkd.service systemd-networkd.socket systemd-networkd-wait-online.service \
    systemd-resolved.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer \
    e2scrub_reap.service dpkg-db-backup.timer fstrim.timer console-getty.service \
    getty@tty1.service systemd-timesyncd.service systemd-remount-fs.service; do
  ln -sfn /dev/null "$R/etc/systemd/system/$u"
done

install -D -m 755 "$SRC/guest/lab-boot" "$R/usr/local/lib/lab/lab-boot"
install -D -m 644 "$SRC/guest/lab-boot.service" "$R/etc/systemd/system/lab-boot.service"
mkdir -p "$R/etc/systemd/system/sysinit.target.wants"
ln -sfn ../lab-boot.service "$R/etc/systemd/system/sysinit.target.wants/lab-boot.service"

[ "$ARCH" = amd64 ] && exit 0

# ---- arm images: qemu-user cannot open netfilter / sock_diag netlink sockets, so
# the firewall tools run natively from an amd64 sidecar root mounted by the launcher
# at /run/lab-native (same network namespace). Wrappers take the tools' places.
install -D -m 755 "$SRC/guest/native-exec" "$R/usr/local/lib/lab/native-exec"
w() { ln -sfn /usr/local/lib/lab/native-exec "$R/usr/local/lib/lab/native/$1"; }
mkdir -p "$R/usr/local/lib/lab/native"
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
    nft ss firewall-cmd firewall-offline-cmd ebtables arptables; do w "$t"; done
# iptables & co are alternatives links: point them at the wrappers
for t in iptables iptables-save iptables-restore ip6tables ip6tables-save ip6tables-restore \
    ebtables arptables; do
  [ -e "$R/etc/alternatives/$t" ] && ln -sfn "/usr/local/lib/lab/native/$t" "$R/etc/alternatives/$t"
done
in_root dpkg-divert --quiet --local --rename --add /usr/bin/ss
for t in /usr/bin/ss /usr/sbin/nft /usr/bin/firewall-cmd /usr/bin/firewall-offline-cmd; do
  ln -sfn "/usr/local/lib/lab/native/${t##*/}" "$R$t"
done
# firewalld: the native unit, bus policy and default config, running the sidecar's daemon
cp "$NATIVE/lib/systemd/system/firewalld.service" "$R/etc/systemd/system/firewalld.service"
sed -i 's|^ExecStart=.*|ExecStart=/usr/sbin/chroot /run/lab-native /usr/sbin/firewalld --nofork --nopid|; s|^EnvironmentFile=.*|EnvironmentFile=-/run/lab-native/etc/default/firewalld|' \
  "$R/etc/systemd/system/firewalld.service"
mkdir -p "$R/etc/systemd/system/multi-user.target.wants"
ln -sfn ../firewalld.service "$R/etc/systemd/system/multi-user.target.wants/firewalld.service"
install -D -m 644 "$NATIVE/usr/share/dbus-1/system.d/FirewallD.conf" "$R/usr/share/dbus-1/system.d/FirewallD.conf"
cp -a "$NATIVE/etc/firewalld" "$R/etc/firewalld"
# systemd's credential set-up uses a mount API qemu-user lacks (status 243/CREDENTIALS)
for u in systemd-sysusers systemd-tmpfiles-setup systemd-tmpfiles-setup-dev systemd-sysctl \
    procps systemd-firstboot systemd-journald systemd-udevd; do
  mkdir -p "$R/etc/systemd/system/$u.service.d"
  printf '[Service]\nLoadCredential=\nImportCredential=\n' > "$R/etc/systemd/system/$u.service.d/lab-qemu.conf"
done
# systemd-hostnamed's private network namespace cannot be set up under qemu-user (status
# 225/NETWORK): every hostnamectl then waits 25 s for the bus. The host's own network it is.
mkdir -p "$R/etc/systemd/system/systemd-hostnamed.service.d"
printf '[Service]\nPrivateNetwork=no\n' > "$R/etc/systemd/system/systemd-hostnamed.service.d/lab-qemu.conf"
