# Run "$@" in a fresh network namespace (unshare -rn sh silent_netns.sh CMD...) where
# 127.0.0.1 is the loopback as usual but the rest of 127.0.0.0/8 routes into a tun device
# nobody reads: packets to 127.0.0.9 vanish without an answer and never leave the namespace.
set -e
ip link set lo up
ip tuntap add silent0 mode tun
ip link set silent0 up
sysctl -qw net.ipv4.conf.all.route_localnet=1
sysctl -qw net.ipv4.conf.silent0.route_localnet=1
ip route del local 127.0.0.0/8 dev lo table local
ip route add 127.0.0.0/8 dev silent0
exec "$@"
