//! The typed view of one instance's exports, looked up **per interface, on
//! first use**.
//!
//! wasmtime's generated `Plugin` type-checks every export of every interface
//! each time an instance is loaded: 66 signatures, many of them deep records,
//! for a call that uses one. Measured with `perf` on `bench --only
//! collect-1-line-1-card`, that type-check was about 60 % of a fresh
//! instance's set-up. Here each interface's exports are loaded (and
//! type-checked against the component) only when a call first asks for that
//! interface, once per instance; a recycled instance keeps what it loaded.
//!
//! The export names are found once per [`crate::Runtime`] ([`PluginPre`]), so
//! a component lacking an interface of the world is known before any call.
//! A component whose interface exists with other types fails when a call
//! first uses it, with wasmtime's type-check error, exactly as the generated
//! `Plugin` failed then.

use crate::bindings::exports::giftcard::plugin as api;
use std::cell::OnceCell;
use std::sync::Arc;
use wasmtime::AsContextMut;
use wasmtime::component::{Instance, InstancePre};

/// Writes [`PluginPre`] (every interface's export indices) and [`Plugin`]
/// (each interface's typed exports, loaded on first use) from one list of
/// the exported interfaces, with the accessor names of wasmtime's
/// generated bindings (`giftcard_plugin_<interface>`).
macro_rules! exported_interfaces {
    ($($iface:ident => $accessor:ident,)*) => {
        /// Where every exported interface's functions are, found once per
        /// loaded component.
        #[derive(Clone)]
        pub struct PluginPre {
            $($iface: api::$iface::GuestIndices,)*
        }

        impl PluginPre {
            /// Finds every interface of the world in `pre`'s component;
            /// an error names the first one missing.
            pub fn new<T>(pre: &InstancePre<T>) -> wasmtime::Result<PluginPre> {
                Ok(PluginPre {
                    $($iface: api::$iface::GuestIndices::new(pre)?,)*
                })
            }

            /// The typed view of `instance`, an instance of this component;
            /// nothing is looked up yet.
            pub fn bind(self: &Arc<Self>, instance: Instance) -> Plugin {
                Plugin {
                    pre: Arc::clone(self),
                    instance,
                    $($iface: OnceCell::new(),)*
                }
            }
        }

        /// One instance's exports, one accessor per exported interface.
        pub struct Plugin {
            pre: Arc<PluginPre>,
            instance: Instance,
            $($iface: OnceCell<api::$iface::Guest>,)*
        }

        impl Plugin {
            $(
                #[doc = concat!("The `", stringify!($iface), "` interface's exports, looked up and ")]
                #[doc = "type-checked the first time a call on this instance asks for them."]
                pub fn $accessor(
                    &self,
                    store: impl AsContextMut,
                ) -> wasmtime::Result<&api::$iface::Guest> {
                    if let Some(loaded) = self.$iface.get() {
                        return Ok(loaded);
                    }
                    let loaded = self.pre.$iface.load(store, &self.instance)?;
                    Ok(self.$iface.get_or_init(|| loaded))
                }
            )*

            /// The interfaces loaded so far, in the world's order.
            #[cfg(test)]
            fn loaded(&self) -> Vec<&'static str> {
                let mut names = Vec::new();
                $(if self.$iface.get().is_some() {
                    names.push(stringify!($iface));
                })*
                names
            }

            /// Loads every interface, as a call of each would.
            #[cfg(test)]
            fn load_all(&self, mut store: impl AsContextMut) -> wasmtime::Result<()> {
                $(self.$accessor(&mut store)?;)*
                Ok(())
            }
        }
    };
}

exported_interfaces! {
    lifecycle => giftcard_plugin_lifecycle,
    admin => giftcard_plugin_admin,
    customer => giftcard_plugin_customer,
    totals => giftcard_plugin_totals,
    orders => giftcard_plugin_orders,
    invoices => giftcard_plugin_invoices,
    credit_memos => giftcard_plugin_credit_memos,
    products => giftcard_plugin_products,
    batches => giftcard_plugin_batches,
    issuing => giftcard_plugin_issuing,
    reports => giftcard_plugin_reports,
    delivery => giftcard_plugin_delivery,
    scheduler => giftcard_plugin_scheduler,
}

#[cfg(test)]
mod tests {
    use crate::{Clock, GiftCards, Runtime};
    use std::sync::Arc;

    fn shop(dir: &tempfile::TempDir) -> GiftCards {
        let runtime = Arc::new(Runtime::built_in(crate::Limits::default()).unwrap());
        GiftCards::open_sqlite(runtime, &dir.path().join("t.db"))
            .unwrap()
            .with_clock(Clock::fixed(1_767_225_600), 7)
    }

    /// A call loads the one interface it uses, once; the others stay
    /// unlooked-up, which is the saving this module exists for.
    #[test]
    fn a_call_loads_only_the_interface_it_uses() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let loaded = shop
            .call_read(|p, s| {
                assert!(
                    p.loaded().is_empty(),
                    "nothing is loaded before the call asks"
                );
                let first: *const _ = p.giftcard_plugin_lifecycle(&mut *s)?;
                let again: *const _ = p.giftcard_plugin_lifecycle(&mut *s)?;
                assert_eq!(first, again, "an interface is loaded once per instance");
                let version = p
                    .giftcard_plugin_lifecycle(&mut *s)?
                    .call_database_version(s)?;
                Ok(version.map(|_| p.loaded()))
            })
            .unwrap()
            .unwrap();
        assert_eq!(loaded, ["lifecycle"]);
    }

    /// Every interface of the built-in component loads (its exports
    /// type-check against this host's bindings).
    #[test]
    fn every_interface_of_the_built_in_component_type_checks() {
        let dir = tempfile::tempdir().unwrap();
        let shop = shop(&dir);
        let loaded = shop
            .call_read(|p, s| {
                p.load_all(&mut *s)?;
                Ok(Ok::<_, ()>(p.loaded().len()))
            })
            .unwrap();
        assert_eq!(loaded, Ok(13));
    }
}
