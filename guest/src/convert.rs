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

/// [`result`] for an answer that is a list: a `Vec` has no `From` of another.
pub fn list_result<T, U: From<T>>(r: e::Result<Vec<T>>) -> Result<Vec<U>, wit::Error> {
    r.map(list).map_err(wit::Error::from)
}

/// Both conversions between an engine enum and its WIT mirror, whose
/// variants (without data) have the same names: one list serves both ways.
macro_rules! mirror_enum {
    ($($a:ident)::+ <=> $($b:ident)::+ { $($variant:ident),+ $(,)? }) => {
        $crate::convert::mirror_enum!(@one $($a)::+ => $($b)::+ { $($variant),+ });
        $crate::convert::mirror_enum!(@one $($b)::+ => $($a)::+ { $($variant),+ });
    };
    (@one $($a:ident)::+ => $($b:ident)::+ { $($variant:ident),+ }) => {
        impl From<$($a)::+> for $($b)::+ {
            fn from(v: $($a)::+) -> Self {
                use $($a)::+ as A;
                use $($b)::+ as B;
                match v {
                    $(A::$variant => B::$variant,)+
                }
            }
        }
    };
}

/// One conversion between two records from a list of their fields: `same`
/// fields move as they are, `into` fields convert (`opt` inside an
/// `Option`, `list` item by item), `text` fields are decimals given as their
/// text (`opt_text` inside an `Option`) and `amount` fields are engine money
/// given as its decimal amount alone. Most conversions are only such a list,
/// so each is written as one instead of a hand-written `From` impl.
///
/// The `@in` form is the way back of a [`mirror_record`]: there `text`
/// fields are read by the decimal grammar instead.
macro_rules! convert_record {
    ($($a:ident)::+ => $($b:ident)::+ { $($fields:tt)* }) => {
        $crate::convert::convert_record!(@out $($a)::+ => $($b)::+ { $($fields)* });
    };
    (@$dir:ident $($a:ident)::+ => $($b:ident)::+ {
        same: [$($same:ident),* $(,)?]
        $(, into: [$($into:ident),* $(,)?])?
        $(, opt: [$($opt:ident),* $(,)?])?
        $(, list: [$($list:ident),* $(,)?])?
        $(, text: [$($text:ident),* $(,)?])?
        $(, opt_text: [$($opt_text:ident),* $(,)?])?
        $(, amount: [$($amount:ident),* $(,)?])?
        $(,)?
    }) => {
        impl From<$($a)::+> for $($b)::+ {
            fn from(r: $($a)::+) -> Self {
                $($b)::+ {
                    $($same: r.$same,)*
                    $($($into: r.$into.into(),)*)?
                    $($($opt: r.$opt.map(Into::into),)*)?
                    $($($list: $crate::convert::list(r.$list),)*)?
                    $($($text: $crate::convert::convert_record!(@$dir text r.$text),)*)?
                    $($($opt_text: r.$opt_text.map(|v| {
                        $crate::convert::convert_record!(@$dir text v)
                    }),)*)?
                    $($($amount: r.$amount.amount(),)*)?
                }
            }
        }
    };
    (@out text $v:expr) => { $v.to_string() };
    (@in text $v:expr) => { $v.into() };
}

/// Both conversions between an engine record and its WIT mirror, from one
/// list of fields (the kinds of [`convert_record`]).
macro_rules! mirror_record {
    ($($a:ident)::+ <=> $($b:ident)::+ { $($fields:tt)* }) => {
        $crate::convert::convert_record!(@out $($a)::+ => $($b)::+ { $($fields)* });
        $crate::convert::convert_record!(@in $($b)::+ => $($a)::+ { $($fields)* });
    };
}

pub(crate) use {convert_record, mirror_enum, mirror_record};
