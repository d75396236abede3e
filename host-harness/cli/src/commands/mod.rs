//! One module per command group.

pub mod batches;
pub mod bench;
pub mod cards;
pub mod checks;
pub mod customer;
pub mod delivery;
pub mod issuing;
pub mod marketplace;
pub mod plugin;
pub mod products;
pub mod shop;

/// Which page of a long list to show: the same two flags wherever a command
/// pages (a command may give `page_size` another default with `mut_arg`).
#[derive(clap::Args)]
pub struct Paging {
    /// Which page (1 = the first).
    #[arg(long, default_value_t = 1)]
    pub page: u32,
    /// Rows per page (1 to 500).
    #[arg(long, default_value_t = 50)]
    pub page_size: u32,
}

impl Paging {
    /// The plugin's `page-request` record.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({ "page": self.page, "page-size": self.page_size })
    }
}
