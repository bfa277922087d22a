//! Exit codes: each failure a user can meet has its own, so scripts can tell
//! them apart. Listed in `corridor --help` and the README.

/// Success.
pub const OK: u8 = 0;
/// A bug in corridor: please report it.
pub const INTERNAL: u8 = 1;
/// Usage error: unknown flag, missing argument (clap's own code).
pub const USAGE: u8 = 2;
/// A file could not be read or written.
pub const IO: u8 = 3;
/// An input file is corrupt, truncated or not of the expected format.
pub const BAD_FILE: u8 = 4;
/// A graph file written by another format version.
pub const GRAPH_VERSION: u8 = 5;
/// A hazard file is invalid (each bad feature is listed).
pub const BAD_HAZARDS: u8 = 6;
/// A value is invalid: coordinates out of range, a time without offset.
pub const BAD_VALUE: u8 = 7;
/// A point is farther than the snapping distance from any road.
pub const OFF_MAP: u8 = 8;
/// The origin or destination is inside a blocking hazard.
pub const IN_HAZARD: u8 = 9;
/// No route: hazards cut the origin off from the destination.
pub const CUT_BY_HAZARDS: u8 = 10;
/// No route even without hazards.
pub const DISCONNECTED: u8 = 11;
/// A scenario file is invalid (every mistake with file, line and reason).
pub const BAD_SCENARIO: u8 = 12;
/// A log does not verify (every problem named by line).
pub const LOG_INVALID: u8 = 13;
/// An action was refused: not this party's key or role, or not allowed in
/// the corridor's state.
pub const REFUSED: u8 = 14;
/// A proposal has no route (off the map, cut, not connected).
pub const NO_ROUTE: u8 = 15;

/// The table shown at the end of `--help`.
pub const TABLE: &str = "\
Exit codes:
   0  success
   1  internal error (a bug: please report it)
   2  usage error (unknown flag, missing argument, a value not among a
      flag's choices)
   3  a file could not be read or written (serve: the address could not
      be looked up or listened on)
   4  input file corrupt, truncated or of the wrong format (PBF, graph,
      the publisher's key or certificate), or not a regular file
   5  graph file from another format version: re-import the extract
   6  invalid hazard file (every bad feature is listed with its index)
   7  invalid value: coordinates out of range, a time without a UTC offset
      or an impossible date, a party's key that is not one or not the
      party's, a publisher's key and certificate that do not match or have
      expired, a listening address that is not one, an option out of range
      (a value its type cannot hold, such as -5 for a count, is 2)
   8  a point is off the map (no road within --max-snap-m)
   9  origin or destination inside a blocking hazard (the hazard is named)
  10  no route: hazards cut the points apart (the hazards are named)
  11  no route even without hazards (not connected by road)
  12  invalid scenario file (every mistake with file, line and reason)
  13  the public log does not verify (every problem named by line)
  14  action refused (wrong key, role or corridor state)
  15  a proposal in the scenario has no route";

/// An error that knows its exit code.
#[derive(Debug)]
pub struct Failure {
    /// Exit code.
    pub code: u8,
    /// Message for the user.
    pub error: anyhow::Error,
    /// The command has written its own JSON document for this failure
    /// (`--json`), so `main` writes no other.
    pub json_written: bool,
}

impl Failure {
    /// Wraps an error with its code.
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Failure {
        Failure {
            code,
            error: error.into(),
            json_written: false,
        }
    }

    /// The same failure, its JSON document written by the command.
    pub fn json_written(mut self) -> Failure {
        self.json_written = true;
        self
    }
}

impl From<anyhow::Error> for Failure {
    fn from(error: anyhow::Error) -> Self {
        Failure::new(INTERNAL, error)
    }
}
