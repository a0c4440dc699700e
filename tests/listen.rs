//! The kernel cross-check's UDP listener (`tests/kernel/listen.py`) answers
//! as the spec says a UDP listener does: from the address the datagram was
//! sent to, whatever route leads back (`IP_PKTINFO`), not from the address
//! of the interface the route back leaves by (a plain `sendto`).
//!
//! The set-up, in a private sandbox as the kernel cross-check makes it:
//! `s` has 10.0.0.1/24 on the veth towards `c` and 10.1.0.1/24 on a bridge
//! of its own; `c` sends to 10.1.0.1 through 10.0.0.1. The route back to
//! `c` leaves by the veth, whose address is 10.0.0.1; the answer must come
//! from 10.1.0.1. Needs what the kernel cross-check needs (root,
//! `unshare`, `ip`, `python3`); `NETSIM_SKIP_KERNEL=1` skips it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

const SCRIPT: &str = r#"
set -eu
mount -t tmpfs none /run/netns 2>/dev/null || { mkdir -p /run/netns; mount -t tmpfs none /run/netns; }
ip netns add s
ip netns add c
ip link add e0 netns s type veth peer name e0 netns c
ip -n s link add b1 type bridge
ip -n s addr add 10.0.0.1/24 dev e0
ip -n s addr add 10.1.0.1/24 dev b1
ip -n c addr add 10.0.0.2/24 dev e0
for n in s c; do ip -n $n link set lo up; ip -n $n link set e0 up; done
ip -n s link set b1 up
ip -n c route add 10.1.0.0/24 via 10.0.0.1
ready=$(mktemp -u)
ip netns exec s python3 "$LISTEN" udp 9999 "$ready" &
for k in $(seq 100); do [ -s "$ready" ] && break; sleep 0.05; done
ip netns exec c python3 -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
s.sendto(b"hi", ("10.1.0.1", 9999))
d, a = s.recvfrom(100)
print("answer", d.decode(), "from", a[0])'
kill $! 2>/dev/null || true
"#;

fn can_run() -> bool {
    if std::env::var("NETSIM_SKIP_KERNEL").as_deref() == Ok("1") {
        println!("SKIPPED: NETSIM_SKIP_KERNEL=1");
        return false;
    }
    true
}

#[test]
fn the_udp_listener_answers_from_the_address_it_was_sent_to() {
    if !can_run() {
        return;
    }
    let listen = netsim_tests::dir().join("kernel").join("listen.py");
    let out = Command::new("timeout")
        .args(["-k", "5", "60"])
        .args(["unshare", "-m", "-n", "--propagation", "private"])
        .args(["bash", "-c", SCRIPT])
        .env("LISTEN", &listen)
        .output()
        .expect("run the sandbox (root, unshare, ip and python3 are needed; NETSIM_SKIP_KERNEL=1 skips this)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the sandbox failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    assert_eq!(stdout.trim(), "answer hi from 10.1.0.1", "{stderr}");
}
