//! Virtual time: nanoseconds since the start of a run, passed along and
//! never read from a clock.

/// Virtual time in nanoseconds since the start of the run.
pub type Time = u64;

/// One second of virtual time.
pub const SECOND: Time = 1_000_000_000;

/// Time a frame takes over one cable (a veth pair, half a wire).
pub const HOP: Time = 1_000;

/// `S.UUUUUU`: seconds and microseconds, as tcpdump prints times.
pub fn seconds(t: Time) -> String {
    format!("{:>2}.{:06}", t / SECOND, (t % SECOND) / 1_000)
}
