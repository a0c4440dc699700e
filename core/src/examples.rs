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
    "nic-per-netns.yaml",
    "veth-pair.yaml",
    "bridge.yaml",
    "docker0.yaml",
    "two-bridges.yaml",
    "router.yaml",
];

/// The example the demo opens with.
pub const DEFAULT: &str = "docker0.yaml";

/// The example named `file`, if any.
pub fn find(file: &str) -> Option<&'static Example> {
    ALL.iter().find(|e| e.file == file)
}
