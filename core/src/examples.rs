//! The built-in scenarios: the files of `examples/`, compiled in so that the
//! web page and the CLI can run them without reading files.

/// One built-in topology file.
#[derive(Debug, Clone, Copy)]
pub struct Example {
    /// The file name in `examples/`, e.g. `docker0.yaml`.
    pub file: &'static str,
    /// Its text.
    pub yaml: &'static str,
}

macro_rules! examples {
    ($($file:literal),* $(,)?) => {
        &[$(Example { file: $file, yaml: include_str!(concat!("../../examples/", $file)) }),*]
    };
}

/// Every example, in the order of the seed article's sections.
pub const ALL: &[Example] = examples![
    "no-link.yaml",
    "nic-per-netns.yaml",
    "veth-pair.yaml",
    "bridge.yaml",
    "docker0.yaml",
    "two-bridges.yaml",
    "router.yaml",
    "published-port.yaml",
    "nat-two-hosts.yaml",
    "storm.yaml",
    "stp.yaml",
    "vxlan-two-hosts.yaml",
    "vxlan-three-hosts.yaml",
    "vxlan-routed.yaml",
    "vxlan-vni-mismatch.yaml",
];

/// The example the demo opens with.
pub const DEFAULT: &str = "docker0.yaml";

/// The example named `file`, if any.
pub fn find(file: &str) -> Option<&'static Example> {
    ALL.iter().find(|e| e.file == file)
}

/// A generated topology for scale: `hosts` hosts, each with a bridge `br0`,
/// a router container and `per_host` containers on the bridge; the routers
/// share one backbone wire and route to every other host's subnet. Host
/// `h` (2 to 250 hosts) uses 10.h.0.0/16; its router is 10.h.255.254 and
/// 192.168.0.(h+1) on the backbone. One probe goes from the first container
/// of the first host to the last container of the last host.
pub fn generated(hosts: usize, per_host: usize) -> String {
    use core::fmt::Write as _;
    let hosts = hosts.clamp(2, 250);
    let per_host = per_host.clamp(1, 60_000);
    let mut y = String::with_capacity(hosts * per_host * 200);
    let _ = writeln!(
        y,
        "name: scale\ndescription: {hosts} hosts with {per_host} containers each, routed over a backbone.\nnodes:"
    );
    let addr = |h: usize, i: usize| format!("10.{h}.{}.{}", (i + 2) / 256, (i + 2) % 256);
    for h in 0..hosts {
        let _ = writeln!(
            y,
            "  h{h}:\n    kind: host\n    interfaces:\n      br0: {{ type: bridge }}"
        );
        let _ = writeln!(
            y,
            "  r{h}:\n    kind: router\n    on: h{h}\n    forwarding: true\n    interfaces:\n      eth0: {{ addresses: [10.{h}.255.254/16] }}\n      eth1: {{ addresses: [192.168.0.{}/24] }}\n    routes:",
            h + 1
        );
        for o in (0..hosts).filter(|&o| o != h) {
            let _ = writeln!(
                y,
                "      - {{ to: 10.{o}.0.0/16, via: 192.168.0.{} }}",
                o + 1
            );
        }
        for i in 0..per_host {
            let _ = writeln!(
                y,
                "  c{h}-{i}:\n    kind: container\n    on: h{h}\n    interfaces:\n      eth0: {{ addresses: [{}/16] }}\n    routes:\n      - {{ to: default, via: 10.{h}.255.254 }}",
                addr(h, i)
            );
        }
    }
    y.push_str("links:\n");
    for h in 0..hosts {
        let _ = writeln!(y, "  - {{ veth: [r{h}:eth0, h{h}:vr], master: br0 }}");
        for i in 0..per_host {
            let _ = writeln!(y, "  - {{ veth: [c{h}-{i}:eth0, h{h}:v{i}], master: br0 }}");
        }
    }
    y.push_str("  - wire: [");
    for h in 0..hosts {
        if h > 0 {
            y.push_str(", ");
        }
        let _ = write!(y, "r{h}:eth1");
    }
    y.push_str("]\n    name: backbone\n");
    let (lh, li) = (hosts - 1, per_host - 1);
    let _ = writeln!(
        y,
        "probes:\n  - {{ from: c0-0, to: {}, proto: icmp, expect: reply }}",
        addr(lh, li)
    );
    y
}
