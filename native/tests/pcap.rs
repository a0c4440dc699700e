//! Every example's run exported with `netsim trace --pcap` opens in Debian's
//! tshark with no malformed packet and no checksum error, and holds exactly
//! the frames of the trace. `scripts/setup` installs tshark;
//! `NETSIM_SKIP_TSHARK=1` skips this where it cannot be had.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/kernel/cases"] {
        for e in std::fs::read_dir(root().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_capture_opens_in_tshark_clean_and_whole() {
    if std::env::var("NETSIM_SKIP_TSHARK").as_deref() == Ok("1") {
        println!("pcap check SKIPPED: NETSIM_SKIP_TSHARK=1");
        return;
    }
    let tshark = Command::new("tshark").arg("--version").output();
    assert!(
        tshark.is_ok_and(|o| o.status.success()),
        "tshark is not installed: run scripts/setup (or set NETSIM_SKIP_TSHARK=1 to skip this check)"
    );
    let dir = std::env::temp_dir().join(format!("netsim-pcap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut problems = Vec::new();
    for f in files() {
        let name = f.file_stem().unwrap().to_string_lossy().into_owned();
        let out = dir.join(format!("{name}.pcapng"));
        let run = Command::new(env!("CARGO_BIN_EXE_netsim"))
            .arg("trace")
            .arg(&f)
            .arg("--json")
            .arg("--pcap")
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{name}: netsim trace failed");
        let frames = String::from_utf8_lossy(&run.stdout)
            .lines()
            .filter(|l| {
                l.contains("\"type\":\"frame_sent\"") || l.contains("\"type\":\"frame_received\"")
            })
            .count();
        let bad = Command::new("tshark")
            .arg("-r")
            .arg(&out)
            .args([
                "-o",
                "ip.check_checksum:TRUE",
                "-o",
                "tcp.check_checksum:TRUE",
                "-o",
                "udp.check_checksum:TRUE",
                "-Y",
                "_ws.malformed || _ws.expert.severity >= 8388608",
            ])
            .output()
            .unwrap();
        let bad_text = String::from_utf8_lossy(&bad.stdout).into_owned();
        if !bad.status.success() || !bad_text.trim().is_empty() {
            problems.push(format!(
                "{name}: tshark finds malformed packets or checksum errors:\n{bad_text}{}",
                String::from_utf8_lossy(&bad.stderr)
            ));
        }
        let all = Command::new("tshark").arg("-r").arg(&out).output().unwrap();
        let packets = String::from_utf8_lossy(&all.stdout).lines().count();
        if packets != frames || frames == 0 {
            problems.push(format!(
                "{name}: the capture holds {packets} packets, the trace {frames} frame events"
            ));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The overlay examples' captures: every UDP packet to port 4789 decodes in
/// tshark as VXLAN with the example's VNI and an inner Ethernet frame
/// carrying ARP or IPv4, none malformed (the check above).
#[test]
fn vxlan_frames_decode_in_tshark_with_their_inner_frame() {
    if std::env::var("NETSIM_SKIP_TSHARK").as_deref() == Ok("1") {
        println!("pcap check SKIPPED: NETSIM_SKIP_TSHARK=1");
        return;
    }
    let dir = std::env::temp_dir().join(format!("netsim-pcap-vxlan-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut problems = Vec::new();
    for (file, vni) in [
        ("vxlan-two-hosts", "42"),
        ("vxlan-three-hosts", "100"),
        ("vxlan-routed", "7"),
    ] {
        let out = dir.join(format!("{file}.pcapng"));
        let run = Command::new(env!("CARGO_BIN_EXE_netsim"))
            .arg("trace")
            .arg(root().join("examples").join(format!("{file}.yaml")))
            .arg("--pcap")
            .arg(&out)
            .output()
            .unwrap();
        assert!(run.status.success(), "{file}: netsim trace failed");
        let fields = Command::new("tshark")
            .arg("-r")
            .arg(&out)
            .args([
                "-Y",
                "udp.port == 4789",
                "-T",
                "fields",
                "-E",
                "separator=|",
            ])
            .args([
                "-e",
                "frame.protocols",
                "-e",
                "vxlan.vni",
                "-e",
                "vxlan.flags",
            ])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&fields.stdout).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        if lines.is_empty() {
            problems.push(format!("{file}: no packet to UDP port 4789 in the capture"));
        }
        for l in lines {
            let f: Vec<&str> = l.split('|').collect();
            let inner = f[0].strip_prefix("eth:ethertype:ip:udp:vxlan:eth:ethertype:");
            let ok = inner.is_some_and(|r| r.starts_with("arp") || r.starts_with("ip:"))
                && f.get(1) == Some(&vni)
                && f.get(2) == Some(&"0x0800");
            if !ok {
                problems.push(format!("{file}: not VXLAN {vni} with an inner frame: {l}"));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
