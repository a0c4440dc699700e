# Helpers for the scripts that tests/kernel.rs generates from a topology.
# Source this from a script run inside
#     unshare -m -n --propagation private bash SCRIPT
# Everything it creates lives in namespaces of that private sandbox only, and
# vanishes with it. Output: one line per probe on stdout,
#     PROBE <index> <result> <seen_from|-> <ttl|->
# and diagnostics on stderr.
set -u

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Never run in the machine's own network namespace: /proc is the machine's,
# so PID 1's namespace is the machine's one.
if [ "$(readlink /proc/self/ns/net)" = "$(readlink /proc/1/ns/net)" ]; then
  echo "netsim kernel check: refusing to run outside a private network namespace" >&2
  exit 97
fi

# A private /run/netns: a tmpfs in this mount namespace only. If the machine
# has no /run/netns, cover /run instead, so that nothing is created outside.
if [ -d /run/netns ]; then
  mount -t tmpfs netsim-kernel /run/netns || exit 98
else
  mount -t tmpfs netsim-kernel /run || exit 98
  mkdir -p /run/netns
fi

OUT=$(mktemp -d /tmp/netsim-kernel.XXXXXX) || exit 99
PIDS=()

cleanup() {
  local p ns
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null; done
  # anything else still running in one of our namespaces
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
  done
  wait 2>/dev/null
  rm -rf "$OUT"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

# Stop at the first failing set-up command: a half-built topology would only
# produce confusing probe results.
must() { "$@" || { echo "set-up failed: $*" >&2; exit 90; }; }

# X NS CMD...: runs CMD in NS. (Background jobs call `ip netns exec` directly,
# so that $! is the program itself and killing it leaves no orphan.)
X() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# ns NAME FORWARDING(0|1): a namespace as netsim apply makes one
ns() {
  must ip netns add "$1"
  must ip -n "$1" link set lo up
  must X "$1" sysctl -qw net.ipv4.ip_forward="$2"
  # The IPv4 settings the simulator models, as apply sets them: a new
  # namespace inherits the machine's own (e.g. rp_filter=2 on Ubuntu).
  local c
  for c in all default; do
    must X "$1" sysctl -qw "net.ipv4.conf.$c.rp_filter=0" "net.ipv4.conf.$c.arp_ignore=0" \
      "net.ipv4.conf.$c.arp_announce=0" "net.ipv4.conf.$c.send_redirects=1" \
      "net.ipv4.conf.$c.accept_local=0"
  done
  must X "$1" sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=1
  # netsim leaves IPv6 out: without it here, no inet6 addresses, no 33:33
  # multicast entries, and no IPv6 chatter for the bridges to learn from,
  # so the views compare line for line.
  must X "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
    net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
  # Without br_netfilter the key does not exist, and bridged frames never
  # pass the IP hooks: the same as 0.
  if X "$1" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
    must X "$1" sysctl -qw net.bridge.bridge-nf-call-iptables=0
  fi
}

# nft_load NS < RULESET: the namespace's NAT table
nft_load() {
  must X "$1" nft -f -
}

# bridge_nf NS: bridged IPv4 frames pass the IP hooks of NS (br_netfilter)
bridge_nf() {
  if ! X "$1" test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
    echo "bridge_nf needs br_netfilter, which this kernel does not have" >&2
    exit 93
  fi
  must X "$1" sysctl -qw net.bridge.bridge-nf-call-iptables=1
}

# wire_ns NS: the namespace of a wire, holding the bridge "sw"
wire_ns() {
  ns "$1" 0
  must ip -n "$1" link add name sw type bridge stp_state 0
  must ip -n "$1" link set sw up
}

# wire_port NODE_NS IF WIRE_NS PORT: a NIC, as a veth whose other end is a
# port of the wire's bridge
wire_port() {
  must ip -n "$1" link add name "$2" type veth peer name "$4" netns "$3"
  must ip -n "$3" link set "$4" master sw
  must ip -n "$3" link set "$4" up
}

# listen NS tcp|udp PORT: a socket; waits until it is bound
listen() {
  local ready="$OUT/ready.${#PIDS[@]}"
  ip netns exec "$1" python3 "$HERE/listen.py" "$2" "$3" "$ready" >/dev/null 2>"$ready.err" &
  PIDS+=($!)
  local k
  for k in $(seq 100); do
    [ -s "$ready" ] && return 0
    sleep 0.05
  done
  echo "listener $2/$3 in $1 did not start:" >&2; cat "$ready.err" >&2
  exit 91
}

# probe INDEX FROM_NS TO PROTO PORT TTL CAP_NS
#   runs one probe; when CAP_NS is not "-", captures the probe's first packet
#   in that namespace (the destination's) to read its TTL and source address
#   on arrival.
probe() {
  local idx=$1 from=$2 to=$3 proto=$4 port=$5 ttl=$6 cn=$7 how=${8:-strict} filt tp= capto=$3
  # The kernel sends a packet for 0.0.0.0 to 127.0.0.1 (ip_route_output_key).
  [ "$to" = 0.0.0.0 ] && capto=127.0.0.1
  case $proto in
    icmp) filt="icmp[icmptype] == icmp-echo and dst host $capto" ;;
    tcp)  filt="tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0 and dst host $capto and dst port $port" ;;
    udp)  filt="udp and dst host $capto and dst port $port" ;;
  esac
  # Behind a DNAT (the capture is where the packet ends up): its kind only.
  if [ "$how" = loose ]; then
    case $proto in
      icmp) filt="icmp[icmptype] == icmp-echo" ;;
      tcp)  filt="tcp[tcpflags] & tcp-syn != 0 and tcp[tcpflags] & tcp-ack == 0" ;;
      udp)  filt="udp" ;;
    esac
  fi
  local cap=$OUT/cap.$idx err=$OUT/cap.$idx.err
  : >"$cap"; : >"$err"
  if [ "$cn" != - ]; then
    ip netns exec "$cn" tcpdump -i any -Q in -n -v -l -c 1 --immediate-mode "$filt" >"$cap" 2>"$err" &
    tp=$!
    PIDS+=("$tp")
    local k ok=0
    for k in $(seq 200); do
      if grep -q "listening on" "$err"; then ok=1; break; fi
      kill -0 "$tp" 2>/dev/null || break
      sleep 0.05
    done
    if [ $ok = 0 ]; then echo "tcpdump did not start in $cn:" >&2; cat "$err" >&2; exit 92; fi
  fi
  local res r
  if [ "$proto" = icmp ]; then
    res=$(X "$from" ping -n -c1 -W5 -t "$ttl" "$to" 2>&1)
    case $res in
      *"bytes from"*) r=reply ;;
      *"Time to live exceeded"*) r=ttl-exceeded ;;
      *"Unreachable"*|*"unreachable"*) r=unreachable ;;
      *" 0 received"*) r=timeout ;;
      *) r=error ;;
    esac
  else
    res=$(X "$from" python3 "$HERE/probe.py" "$proto" "$to" "$port" "$ttl" 2>&1)
    r=${res%% *}
    case $r in reply|refused|unreachable|ttl-exceeded|timeout) ;; *) r=error ;; esac
  fi
  echo "probe $idx: $from -> $to $proto $port ttl $ttl: $r | $(echo "$res" | tr '\n' ' ')" >&2
  local at_ttl=- at_src=-
  if [ -n "$tp" ]; then
    # tcpdump exits by itself once it has printed the first packet; give it
    # up to 1.5 s (a packet that arrived is printed at once), then stop it.
    local k
    for k in $(seq 30); do kill -0 "$tp" 2>/dev/null || break; sleep 0.05; done
    kill "$tp" 2>/dev/null; wait "$tp" 2>/dev/null
    if grep -q "ttl [0-9]" "$cap"; then
      at_ttl=$(grep -o 'ttl [0-9]*' "$cap" | head -1 | cut -d' ' -f2)
      at_src=$(sed -n 2p "$cap" | awk '{print $1}' | cut -d. -f1-4)
      echo "  capture in $cn: $(tr '\n' ' ' <"$cap")" >&2
    fi
  fi
  echo "PROBE $idx $r $at_src $at_ttl"
}

# view NODE WHICH CMD...: what a real tool prints, as `VIEW NODE WHICH`
# followed by its lines, each prefixed with "| " (empty output: none).
view() {
  local node=$1 which=$2; shift 2
  echo "VIEW $node $which"
  "$@" 2>&1 | sed 's/^/| /'
}

# stp_wait NS:BRIDGE...: waits until the spanning tree of these bridges has
# converged (no port listening or learning) and the topology change that
# follows is over on every one of them (while it lasts, the bridges age FDB
# entries after 2 × forward delay instead of 300 s).
stp_wait() {
  local k x ns br ports tc t0=$SECONDS tree=
  for k in $(seq 600); do
    ports=0 tc=0
    for x in "$@"; do
      ns=${x%%:*}; br=${x#*:}
      X "$ns" bridge link show | grep -q "master $br state \(listening\|learning\|disabled\)" && ports=1
      [ "$(X "$ns" cat "/sys/class/net/$br/bridge/topology_change")" = 0 ] || tc=1
    done
    [ $ports = 0 ] && [ -z "$tree" ] && tree=$((SECONDS - t0))
    if [ $ports = 0 ] && [ $tc = 0 ]; then
      echo "stp: ports settled within ${tree} s, topology change over after $((SECONDS - t0)) s" >&2
      return 0
    fi
    sleep 0.1
  done
  echo "the spanning tree did not converge within 60 s:" >&2
  for x in "$@"; do X "${x%%:*}" bridge link show >&2; done
  exit 94
}

# stp_view NS BRIDGE...: what `netsim show NODE stp` prints: `bridge link`,
# then for each STP bridge its ids from sysfs and each port's role, read as
# the kernel decides it (root: the bridge's root_port; designated: the
# port's designated bridge and port are its own; backup: only the bridge
# is; else alternate).
stp_view() {
  local ns=$1 br d p no pid dport dbr role bid root rp; shift
  X "$ns" bridge link show
  for br in "$@"; do
    d=/sys/class/net/$br
    bid=$(X "$ns" cat "$d/bridge/bridge_id")
    root=$(X "$ns" cat "$d/bridge/root_id")
    rp=$(X "$ns" cat "$d/bridge/root_port")
    echo "bridge $br id $bid root $root root_port $rp root_path_cost $(X "$ns" cat "$d/bridge/root_path_cost")"
    for p in $(X "$ns" ls "$d/brif"); do
      echo "$(($(X "$ns" cat "$d/brif/$p/port_no"))) $p"
    done | sort -n | while read -r no p; do
      pid=$(X "$ns" cat "$d/brif/$p/port_id")
      dport=$(X "$ns" cat "$d/brif/$p/designated_port")
      dbr=$(X "$ns" cat "$d/brif/$p/designated_bridge")
      if [ "$no" = "$rp" ]; then role=root
      elif [ "$dbr" = "$bid" ] && [ "$((dport))" = "$((pid))" ]; then role=designated
      elif [ "$dbr" = "$bid" ]; then role=backup
      else role=alternate
      fi
      echo "  port $p id $pid role $role"
    done
  done
}
