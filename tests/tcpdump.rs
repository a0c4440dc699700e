//! Frame lines read as `tcpdump -e -n -S` prints them: every frame of every
//! example's and kernel case's run is written to a pcap file and read back by the real
//! tcpdump (`-e -n -S -t -r`), whose line must equal netsim's, but for the
//! one difference netsim's frame lines keep on purpose: a UDP datagram is
//! `UDP, length N` whatever its port (tcpdump decodes port 53 as DNS), but
//! for VXLAN (port 4789), whose inner frame tcpdump prints on a line of its
//! own and netsim after a colon on the same line.
//!
//! Needs `tcpdump` on PATH (scripts/setup installs it); without it the test
//! fails, unless `NETSIM_SKIP_KERNEL=1` is set.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use netsim_core::examples;
use netsim_core::sim::Sim;
use netsim_core::trace::EventKind;
use netsim_core::wire::frame;

/// A classic pcap file (Ethernet) holding `frames`.
fn pcap(frames: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in [0xa1b2_c3d4u32.to_le_bytes(), [2, 0, 4, 0]] {
        out.extend_from_slice(&v);
    }
    out.extend_from_slice(&[0; 8]); // thiszone, sigfigs
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
    for f in frames {
        out.extend_from_slice(&[0; 8]); // ts_sec, ts_usec
        let len = (f.len() as u32).to_le_bytes();
        out.extend_from_slice(&len);
        out.extend_from_slice(&len);
        out.extend_from_slice(f);
    }
    out
}

/// Equal, or the same UDP datagram that tcpdump decoded by its port.
fn same(ours: &str, theirs: &str) -> bool {
    if ours == theirs {
        return true;
    }
    match ours.split_once(": UDP, length ") {
        Some((head, _)) => theirs.starts_with(&format!("{head}: ")),
        None => false,
    }
}

#[test]
fn every_frame_line_is_what_tcpdump_prints() {
    if Command::new("tcpdump").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("NETSIM_SKIP_KERNEL").is_some_and(|v| v == "1"),
            "tcpdump is not installed (set NETSIM_SKIP_KERNEL=1 to skip)"
        );
        return;
    }
    let mut frames: Vec<Vec<u8>> = Vec::new();
    // Every example, and the kernel cases (redirects, unusual addresses).
    let mut files: Vec<(String, String)> = examples::ALL
        .iter()
        .map(|e| (e.file.to_string(), e.yaml.to_string()))
        .collect();
    let cases = netsim_tests::dir().join("kernel").join("cases");
    let mut extra: Vec<_> = std::fs::read_dir(&cases)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    extra.sort();
    for p in extra {
        files.push((
            p.display().to_string(),
            std::fs::read_to_string(&p).unwrap(),
        ));
    }
    for (file, yaml) in &files {
        let topo = netsim_core::load(file, yaml).unwrap();
        let mut sim = Sim::new(topo);
        sim.run_all();
        for ev in sim.trace() {
            if let EventKind::FrameSent { bytes, .. } = &ev.kind {
                if !frames.iter().any(|f| f[..] == bytes[..]) {
                    frames.push(bytes.to_vec());
                }
            }
        }
    }
    let path = std::env::temp_dir().join(format!("netsim-frames-{}.pcap", std::process::id()));
    std::fs::write(&path, pcap(&frames)).unwrap();
    let out = Command::new("tcpdump")
        .args(["-e", "-n", "-S", "-t", "-r"])
        .arg(&path)
        .output()
        .expect("run tcpdump");
    let _ = std::fs::remove_file(&path);
    let theirs = String::from_utf8_lossy(&out.stdout);
    // A VXLAN packet is two lines: the outer headers up to `vni N`, then
    // the inner frame; netsim's line joins them with ": ".
    let mut theirs: Vec<String> = theirs.lines().map(str::to_string).collect();
    let mut k = 0;
    while k + 1 < theirs.len() {
        let outer = &theirs[k];
        let vxlan = outer.contains(": VXLAN, flags [")
            && outer
                .rsplit_once(" vni ")
                .is_some_and(|(_, n)| n.bytes().all(|b| b.is_ascii_digit()));
        if vxlan {
            let inner = theirs.remove(k + 1);
            theirs[k] = format!("{}: {inner}", theirs[k]);
        }
        k += 1;
    }
    assert_eq!(
        theirs.len(),
        frames.len(),
        "tcpdump read {} of {} frames",
        theirs.len(),
        frames.len()
    );
    let bad: Vec<String> = frames
        .iter()
        .zip(&theirs)
        .filter(|(f, t)| !same(&frame::summary(f), t))
        .map(|(f, t)| format!("  netsim : {}\n  tcpdump: {t}", frame::summary(f)))
        .collect();
    assert!(
        bad.is_empty(),
        "{} of {} frame lines differ:\n{}",
        bad.len(),
        frames.len(),
        bad.join("\n")
    );
}
