//! The bottom layer: the database the host lends us, the environment each
//! call runs in, the schema and its migrations, and time.

pub mod db;
pub mod env;
pub mod outbound;
pub mod schema;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod time;
