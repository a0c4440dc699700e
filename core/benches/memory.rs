//! Memory of a resolved topology: bytes per container for 10,000 containers
//! on 100 hosts, and the same for 1,000 on 10 as a baseline. Counts live
//! heap bytes with a counting allocator around the system one.
//!
//! Run with `cargo bench -p netsim-core --bench memory`.

#![allow(unsafe_code)] // a GlobalAlloc is unsafe by definition

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` runs this too.
    for (hosts, per_host) in [(10, 100), (100, 100)] {
        let yaml = netsim_core::examples::generated(hosts, per_host);
        let containers = hosts * per_host;
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let topo = match netsim_core::load("scale.yaml", &yaml) {
            Ok(t) => t,
            Err(d) => {
                eprintln!("{d}");
                std::process::exit(1);
            }
        };
        let live = LIVE.load(Ordering::Relaxed) - before;
        let peak = PEAK.load(Ordering::Relaxed) - before;
        // The simulator shares the topology it is given: no copy.
        let mut sim = netsim_core::sim::Sim::new(topo);
        let result = sim
            .run_probe(0)
            .map_or("no probe".to_string(), |o| o.result.to_string());
        let after_probe = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "memory/{containers}_containers_{hosts}_hosts: resolved topology {live} B = {:.0} B/container (peak while loading {:.0} B/container, YAML text {:.0} B/container); after one cross-host probe ({}): {:.0} B/container",
            live as f64 / containers as f64,
            peak as f64 / containers as f64,
            yaml.len() as f64 / containers as f64,
            result,
            after_probe as f64 / containers as f64,
        );
        drop(sim);
    }
    // A conntrack table: bytes per tracked connection, at 1,000 and 100,000.
    for n in [1_000u32, 100_000] {
        let before = LIVE.load(Ordering::Relaxed);
        let mut table = netsim_core::netfilter::conntrack::Table::default();
        for k in 0..n {
            table.insert(netsim_core::netfilter::conntrack::Tuple {
                proto: 6,
                src: std::net::Ipv4Addr::from(0x0a00_0000 | (k >> 8)),
                sport: 30_000 + (k & 0xff) as u16,
                dst: std::net::Ipv4Addr::new(203, 0, 113, 7),
                dport: 443,
            });
        }
        let live = LIVE.load(Ordering::Relaxed) - before;
        println!(
            "memory/conntrack_{n}_connections: {live} B = {:.0} B/connection",
            live as f64 / f64::from(n)
        );
        drop(table);
    }
}
