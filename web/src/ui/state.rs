//! The page's state and every way it changes (a reducer): the scenario and
//! its drawing, the probe being shown and its run, the position in the run,
//! playback, filters and selections. Plain Rust apart from `Reducible`.

use std::collections::BTreeSet;
use std::rc::Rc;

use netsim_core::model::{NodeId, Topology};
use yew::prelude::*;

use crate::layout::Layout;
use crate::model::{self, Compose, Run, Scenario, Shared};

/// Milliseconds a step takes at speed 1 when virtual time moves (a frame
/// crosses a cable, or a wait is skipped), and when it does not.
pub const GLIDE_MS: f64 = 1100.0;
pub const PAUSE_MS: f64 = 380.0;

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub scenarios: Rc<Vec<Scenario>>,
    pub scenario: Scenario,
    pub layout: Shared<Layout>,
    pub run: Option<Shared<Run>>,
    /// The file's probe shown, or `None` for a composed one.
    pub probe: Option<usize>,
    pub composed: Option<Compose>,
    /// Events done, fractional while gliding (see `anim`).
    pub pos: f64,
    pub playing: bool,
    pub speed: f64,
    /// `prefers-reduced-motion`: jump from hop to hop.
    pub reduced: bool,
    /// Time spent on the current step when jumping.
    pub acc: f64,
    /// Event groups hidden from the list.
    pub hidden: Rc<BTreeSet<&'static str>>,
    /// Only this node's events in the list.
    pub only: Option<NodeId>,
    /// The node of the state panels.
    pub node: Option<NodeId>,
    pub error: Option<String>,
    /// Width over height of the drawing's area, once measured: the hosts
    /// wrap for it.
    pub aspect: Option<f64>,
    /// Whether a node of this scenario was dragged: its layout then stays
    /// as the user made it, whatever the area's shape.
    pub dragged: bool,
    /// Counts the relayouts for a new shape of the area, for the drawing
    /// to fit itself again (a drag changes the layout but not this).
    pub shape_gen: u32,
}

#[derive(Debug, Clone)]
pub enum Action {
    Scenario(String),
    Probe(usize),
    Compose(Compose),
    Toggle,
    Play,
    Pause,
    Step(i64),
    Seek(f64),
    Tick(f64),
    Speed(f64),
    Restart,
    ToggleGroup(&'static str),
    Only(Option<NodeId>),
    Node(Option<NodeId>),
    Drag(NodeId, f64, f64),
    /// The drawing's area is now this many times as wide as it is high.
    Shape(f64),
}

impl State {
    /// The page as it opens: `key` (or docker0), probe `probe` (0-based),
    /// at event `event` (0-based).
    pub fn open(key: &str, probe: usize, event: usize, reduced: bool) -> State {
        let scenarios = Rc::new(model::scenarios());
        let scenario = model::find_scenario(key)
            .filter(|s| s.topo.is_some())
            .or_else(|| model::find_scenario(model::default_key()))
            .or_else(|| scenarios.first().cloned());
        let scenario = scenario.unwrap_or_else(|| Scenario {
            key: String::new(),
            file: String::new(),
            title: "no scenario".into(),
            description: String::new(),
            topo: None,
            error: Some("no built-in scenario loads".into()),
        });
        let mut s = State {
            scenarios,
            layout: Shared::new(draw(scenario.topo.as_deref(), None)),
            scenario,
            run: None,
            probe: None,
            composed: None,
            pos: 0.0,
            playing: false,
            speed: 1.0,
            reduced,
            acc: 0.0,
            hidden: Rc::default(),
            only: None,
            node: None,
            error: None,
            aspect: None,
            dragged: false,
            shape_gen: 0,
        };
        s.pick_probe(probe);
        s.pos = (event as f64).min(s.last() as f64);
        s
    }

    pub fn topo(&self) -> Option<&std::sync::Arc<Topology>> {
        self.scenario.topo.as_ref()
    }

    /// The index of the last event (0 when there is none).
    pub fn last(&self) -> usize {
        self.run
            .as_ref()
            .map_or(0, |r| r.events.len().saturating_sub(1))
    }

    /// The current event.
    pub fn current(&self) -> usize {
        (self.pos.floor().max(0.0) as usize).min(self.last())
    }

    fn pick_probe(&mut self, probe: usize) {
        self.playing = false;
        self.pos = 0.0;
        self.acc = 0.0;
        self.composed = None;
        self.run = None;
        self.probe = None;
        if let Some(t) = self.topo() {
            if probe < t.probes.len() {
                self.run = model::run_probe(t.clone(), probe).map(Shared::new);
                self.probe = self.run.as_ref().map(|_| probe);
            }
        }
        if self.node.is_none() {
            self.node = self.default_node();
        }
    }

    /// The probe's sender: what the state panels show first.
    fn default_node(&self) -> Option<NodeId> {
        let r = self.run.as_ref()?;
        r.topo.probes.get(r.probe).map(|p| p.from)
    }

    /// How long step `k` (from event k to k+1) lasts, in ms.
    fn step_ms(&self, k: usize) -> f64 {
        let moves =
            self.run
                .as_ref()
                .is_some_and(|r| match (r.events.get(k), r.events.get(k + 1)) {
                    (Some(a), Some(b)) => b.time > a.time,
                    _ => false,
                });
        (if moves { GLIDE_MS } else { PAUSE_MS }) / self.speed.max(0.05)
    }

    fn tick(&mut self, dt: f64) {
        let last = self.last() as f64;
        if self.pos >= last {
            self.pos = last;
            self.playing = false;
            return;
        }
        let k = self.current();
        let ms = self.step_ms(k);
        if self.reduced {
            self.acc += dt;
            if self.acc >= ms {
                self.acc = 0.0;
                self.pos = (k + 1) as f64;
            }
        } else {
            self.pos = (self.pos + dt / ms).min((k + 1) as f64);
        }
        if self.pos >= last {
            self.pos = last;
            self.playing = false;
        }
    }
}

fn draw(topo: Option<&Topology>, aspect: Option<f64>) -> Layout {
    match topo {
        Some(t) => model::draw(t, aspect),
        None => crate::layout::layout(&Topology {
            name: String::new(),
            description: String::new(),
            nodes: Vec::new(),
            ifaces: Vec::new(),
            wires: Vec::new(),
            veths: Vec::new(),
            probes: Vec::new(),
        }),
    }
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Scenario(key) => {
                if key == s.scenario.key {
                    return self;
                }
                match model::find_scenario(&key) {
                    Some(sc) if sc.topo.is_some() => {
                        s.layout = Shared::new(draw(sc.topo.as_deref(), s.aspect));
                        s.dragged = false;
                        s.scenario = sc;
                        s.node = None;
                        s.only = None;
                        s.error = None;
                        s.pick_probe(0);
                    }
                    Some(sc) => s.error = sc.error,
                    None => s.error = Some(format!("no scenario {key}")),
                }
            }
            Action::Probe(i) => s.pick_probe(i),
            Action::Compose(c) => match s.topo().map(|t| model::run_composed(t, &c)) {
                Some(Ok(run)) => {
                    s.playing = false;
                    s.pos = 0.0;
                    s.run = Some(Shared::new(run));
                    s.probe = None;
                    s.composed = Some(c);
                    s.error = None;
                }
                Some(Err(e)) => s.error = Some(e),
                None => {}
            },
            Action::Toggle => {
                if s.playing {
                    s.playing = false;
                } else {
                    if s.pos >= s.last() as f64 {
                        s.pos = 0.0;
                    }
                    s.playing = s.run.is_some();
                }
            }
            Action::Play => s.playing = s.run.is_some(),
            Action::Pause => s.playing = false,
            Action::Step(d) => {
                s.playing = false;
                s.acc = 0.0;
                let base = if d > 0 { s.pos.floor() } else { s.pos.ceil() };
                s.pos = (base + d as f64).clamp(0.0, s.last() as f64);
            }
            Action::Seek(p) => {
                s.pos = p.clamp(0.0, s.last() as f64);
                s.acc = 0.0;
            }
            Action::Tick(dt) => {
                if !s.playing {
                    return self;
                }
                s.tick(dt);
            }
            Action::Speed(v) => s.speed = v.clamp(0.1, 8.0),
            Action::Restart => {
                s.pos = 0.0;
                s.acc = 0.0;
                s.playing = false;
            }
            Action::ToggleGroup(g) => {
                let mut h = (*s.hidden).clone();
                if !h.remove(g) {
                    h.insert(g);
                }
                s.hidden = Rc::new(h);
            }
            Action::Only(n) => s.only = n,
            Action::Node(n) => s.node = n,
            Action::Drag(n, dx, dy) => {
                if let Some(t) = s.scenario.topo.clone() {
                    let mut l = (*s.layout).clone();
                    l.translate_node(&t, n, dx, dy);
                    s.layout = Shared::new(l);
                    s.dragged = true;
                }
            }
            Action::Shape(a) => {
                // A change of under 2% never changes the choice.
                let same = s.aspect.is_some_and(|b| (a / b - 1.0).abs() < 0.02);
                if same || !a.is_finite() || a <= 0.0 {
                    return self;
                }
                s.aspect = Some(a);
                if let (Some(t), false) = (s.scenario.topo.clone(), s.dragged) {
                    let l = model::draw(&t, Some(a));
                    if l != *s.layout {
                        s.layout = Shared::new(l);
                        s.shape_gen += 1;
                    }
                }
            }
        }
        Rc::new(s)
    }
}
