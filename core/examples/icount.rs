// throwaway: instruction counts per warm probe (not committed)
use netsim_core::{examples, sim::Sim};
use std::net::Ipv4Addr;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let which = args[1].as_str();
    let n: usize = args[2].parse().unwrap();
    let (file, probe) = match which {
        "ping" => ("docker0.yaml", None),
        "nat" => ("nat-two-hosts.yaml", Some(0)),
        "cold" => ("docker0.yaml", None),
        _ => panic!(),
    };
    let e = examples::find(file).unwrap();
    let topo = std::sync::Arc::new(netsim_core::load(e.file, e.yaml).unwrap());
    let p = match probe {
        Some(k) => topo.probes[k].clone(),
        None => netsim_core::model::Probe {
            from: topo.node_by_name("bus2").unwrap(),
            to_text: "172.17.0.2".into(),
            to: Ipv4Addr::new(172, 17, 0, 2),
            proto: netsim_core::model::ProbeProto::Icmp,
            port: None,
            ttl: 64,
            expect: None,
        },
    };
    let mut sim = Sim::new(std::sync::Arc::clone(&topo));
    sim.run_adhoc(0, &p);
    if std::env::var("SIZES").is_ok() {
        println!(
            "Event {} EventKind {} Frame {} Ipv4Packet {}",
            std::mem::size_of::<netsim_core::trace::Event>(),
            std::mem::size_of::<netsim_core::trace::EventKind>(),
            std::mem::size_of::<netsim_core::wire::frame::Frame>(),
            std::mem::size_of::<netsim_core::wire::frame::Ipv4Packet>()
        );
        return;
    }
    if std::env::var("DUMP").is_ok() {
        sim.clear_trace();
        sim.run_adhoc(0, &p);
        for e in sim.trace() {
            println!("{:?}", e.kind);
        }
        return;
    }
    let mut acc = 0usize;
    for _ in 0..n {
        if which == "cold" {
            let mut s = Sim::new(std::sync::Arc::clone(&topo));
            acc += s.run_adhoc(0, &p).result as usize;
        } else {
            acc += sim.run_adhoc(0, &p).result as usize;
            sim.clear_trace();
        }
    }
    println!("{acc}");
}
#[allow(dead_code)]
pub fn dump() {}
