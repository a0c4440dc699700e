//! The page's model: plain data made from `netsim-core`, no Yew here.

use netsim_core::examples;
use netsim_core::sim::{describe_expect, describe_outcome, describe_probe, Sim};

/// One node as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub name: String,
    pub kind: &'static str,
    pub interfaces: usize,
}

/// One probe with what the simulator made of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeRow {
    pub text: String,
    pub expected: String,
    pub got: String,
    pub pass: bool,
}

/// A built-in scenario, loaded and run, or the errors that stopped it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    pub file: &'static str,
    pub yaml: &'static str,
    pub title: String,
    pub description: String,
    pub nodes: Vec<NodeRow>,
    pub links: usize,
    pub probes: Vec<ProbeRow>,
    /// The diagnostics, when the file does not load.
    pub error: Option<String>,
}

/// Every built-in example, in order.
pub fn scenarios() -> Vec<Scenario> {
    examples::ALL
        .iter()
        .map(|e| scenario(e.file, e.yaml))
        .collect()
}

fn scenario(file: &'static str, yaml: &'static str) -> Scenario {
    let topo = match netsim_core::load(file, yaml) {
        Ok(t) => t,
        Err(d) => {
            return Scenario {
                file,
                yaml,
                title: file.to_string(),
                description: String::new(),
                nodes: Vec::new(),
                links: 0,
                probes: Vec::new(),
                error: Some(d.to_string()),
            }
        }
    };
    let mut sim = Sim::new(topo.clone());
    let probes = topo
        .probes
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let o = sim.run_probe(i)?;
            sim.clear_trace();
            Some(ProbeRow {
                text: describe_probe(&topo, p),
                expected: describe_expect(p.expect.as_ref()),
                got: describe_outcome(&o),
                pass: o.check(p.expect.as_ref()).is_empty(),
            })
        })
        .collect();
    Scenario {
        file,
        yaml,
        title: topo.name.clone(),
        description: topo.description.trim().to_string(),
        nodes: topo
            .nodes
            .iter()
            .map(|n| NodeRow {
                name: n.name.clone(),
                kind: n.kind.as_str(),
                interfaces: n.ifaces.len(),
            })
            .collect(),
        links: topo.veths.len() + topo.wires.len(),
        probes,
        error: None,
    }
}

/// The index of the scenario the page opens with.
pub fn default_index(list: &[Scenario]) -> usize {
    list.iter()
        .position(|s| s.file == examples::DEFAULT)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_loads_and_passes() {
        let list = scenarios();
        assert_eq!(list.len(), examples::ALL.len());
        for s in &list {
            assert!(s.error.is_none(), "{}: {:?}", s.file, s.error);
            assert!(s.probes.iter().all(|p| p.pass), "{}", s.file);
        }
        assert_eq!(list[default_index(&list)].file, "docker0.yaml");
    }
}
