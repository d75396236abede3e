//! # giftcard-harness
//!
//! The reference host's command line, on the embedding library
//! [`giftcard_host`], the simulated shop [`giftcard_shop`] and the JSON calls
//! of [`giftcard_conformance`]:
//!
//! - [`bench`]: the plugin's cost report (instructions, statements and
//!   time per standard operation, against the native engine);
//! - [`printing`]: a print run to a PDF file, a part at a time, written
//!   whole or not at all;
//! - [`doctor`]: the database health check (`giftcard-harness doctor`);
//! - [`marketplace`]: installing a signed package on a shop database
//!   (install, upgrade with a backup, rollback, uninstall with an archive);
//! - [`demo`] and [`render`]: the narrated demo and the CLI's tables (the
//!   shop's answers in [`render::shop`]).

pub mod bench;
pub mod demo;
pub mod doctor;
pub mod marketplace;
pub mod printing;
pub mod render;
