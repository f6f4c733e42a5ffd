//! One module per subcommand (the reading ones share `query`, the ones
//! that change what is stored share `maintenance`).

pub mod export;
pub mod import;
pub mod info;
pub mod maintenance;
pub mod query;
pub mod sql;
pub mod verify;
