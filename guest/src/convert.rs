//! The generic helpers of the WIT ⇄ engine conversions; the conversions
//! themselves sit in the module of the interface whose record they convert.

use crate::bindings::giftcard::plugin::types as wit;
use giftcard_engine as e;

pub fn result<T, U: From<T>>(r: e::Result<T>) -> Result<U, wit::Error> {
    r.map(U::from).map_err(wit::Error::from)
}

pub(crate) fn list<T, U: From<T>>(items: Vec<T>) -> Vec<U> {
    items.into_iter().map(U::from).collect()
}
