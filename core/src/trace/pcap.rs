//! A run as a pcapng file, for Wireshark and tshark: every frame as it left
//! and as it arrived, on one capture interface per place (`NODE:IF`, or a
//! wire's switch), at its virtual time (nanoseconds since the start of the
//! run), each with a comment naming its probe, its hop, its `frame` and
//! `packet` ids and the event it is.
//!
//! The bytes are built in memory (pcap-file's pcapng writer over a
//! `Vec<u8>`), so this works wherever core does; the CLI writes them to a
//! file, the page can offer them as a download.

use core::time::Duration;
use std::borrow::Cow;

use pcap_file::pcapng::blocks::enhanced_packet::{EnhancedPacketBlock, EnhancedPacketOption};
use pcap_file::pcapng::blocks::interface_description::{
    InterfaceDescriptionBlock, InterfaceDescriptionOption,
};
use pcap_file::pcapng::blocks::section_header::{SectionHeaderBlock, SectionHeaderOption};
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::DataLink;
use rustc_hash::FxHashMap;

use super::{Event, EventKind, PacketId, Place};
use crate::model::Topology;

/// Why a capture could not be written (only an inner error of the writer;
/// writing to memory does not fail otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PcapError(pub String);

impl core::fmt::Display for PcapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "cannot write the capture: {}", self.0)
    }
}

/// The pcapng bytes of `events`, each with its number in the run.
pub fn pcapng<'e>(
    topo: &Topology,
    events: impl IntoIterator<Item = (usize, &'e Event)>,
) -> Result<Vec<u8>, PcapError> {
    let err = |e: pcap_file::PcapError| PcapError(e.to_string());
    let section = SectionHeaderBlock {
        options: vec![
            SectionHeaderOption::UserApplication(Cow::Borrowed("netsim")),
            SectionHeaderOption::Comment(Cow::Owned(format!(
                "netsim simulation of {}: virtual time, nanoseconds since the start of the run",
                topo.name
            ))),
        ],
        ..SectionHeaderBlock::default()
    };
    let mut w = PcapNgWriter::with_section_header(Vec::new(), section).map_err(err)?;
    let mut interfaces: FxHashMap<Place, u32> = FxHashMap::default();
    // The crossings of each packet so far: a frame's hop on its journey.
    let mut hops: FxHashMap<PacketId, u32> = FxHashMap::default();
    for (index, e) in events {
        let (dir, frame, bytes) = match &e.kind {
            EventKind::FrameSent { frame, bytes } => ("out", frame, bytes),
            EventKind::FrameReceived { frame, bytes } => ("in", frame, bytes),
            _ => continue,
        };
        let next = interfaces.len() as u32;
        let id = match interfaces.get(&e.place) {
            Some(&id) => id,
            None => {
                let label = e.place.label(topo);
                let description = match e.place {
                    Place::Wire(_) => format!("the switch of {label}"),
                    _ => format!(
                        "{label} in network namespace {}",
                        e.place
                            .node(topo)
                            .map_or("?", |n| topo.node(n).name.as_str())
                    ),
                };
                w.write_pcapng_block(InterfaceDescriptionBlock {
                    linktype: DataLink::ETHERNET,
                    snaplen: 0,
                    options: vec![
                        InterfaceDescriptionOption::IfName(Cow::Owned(label)),
                        InterfaceDescriptionOption::IfDescription(Cow::Owned(description)),
                        InterfaceDescriptionOption::IfTsResol(9),
                    ],
                })
                .map_err(err)?;
                interfaces.insert(e.place, next);
                next
            }
        };
        let hop = match (e.packet, dir) {
            (Some(p), "out") => {
                let h = hops.entry(p).or_insert(0);
                *h += 1;
                Some(*h)
            }
            (Some(p), _) => hops.get(&p).copied(),
            (None, _) => None,
        };
        let mut comment = match e.probe {
            Some(p) => format!("probe {}", p + 1),
            None => "no probe".to_string(),
        };
        if let Some(h) = hop {
            comment.push_str(&format!(", hop {h}"));
        }
        comment.push_str(&format!(
            ", {dir} on {}, frame {}",
            e.place.label(topo),
            frame.0
        ));
        if let Some(p) = e.packet {
            comment.push_str(&format!(", packet {}", p.0));
        }
        if let Some(c) = e.cause_packet {
            comment.push_str(&format!(" (caused by packet {})", c.0));
        }
        comment.push_str(&format!(", event {index}"));
        w.write_pcapng_block(EnhancedPacketBlock {
            interface_id: id,
            timestamp: Duration::from_nanos(e.time),
            original_len: bytes.len() as u32,
            data: Cow::Borrowed(bytes),
            options: vec![EnhancedPacketOption::Comment(Cow::Owned(comment))],
        })
        .map_err(err)?;
    }
    Ok(w.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Sim;

    #[test]
    fn every_frame_event_is_one_packet_block_of_its_interface() {
        let e = crate::examples::find("docker0.yaml").unwrap_or_else(|| unreachable!());
        let topo = crate::load(e.file, e.yaml).unwrap_or_else(|_| unreachable!());
        let mut sim = Sim::new(topo.clone());
        sim.run_all();
        let bytes = pcapng(&topo, sim.trace().iter().enumerate()).unwrap_or_default();
        // Read it back: a section, then interfaces and packets.
        let mut r =
            pcap_file::pcapng::PcapNgReader::new(&bytes[..]).unwrap_or_else(|_| unreachable!());
        let (mut ifaces, mut packets) = (0, 0);
        while let Some(block) = r.next_block() {
            match block.unwrap_or_else(|_| unreachable!()) {
                pcap_file::pcapng::Block::InterfaceDescription(_) => ifaces += 1,
                pcap_file::pcapng::Block::EnhancedPacket(p) => {
                    assert!((p.interface_id as usize) < ifaces);
                    packets += 1;
                }
                _ => {}
            }
        }
        let frames = sim.trace().iter().filter(|e| e.bytes().is_some()).count();
        assert_eq!(packets, frames);
        assert!(ifaces >= 4, "bus1, bus2, both veths, docker0");
    }
}
