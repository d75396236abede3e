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
        impl From<$($a)::+> for $($b)::+ {
            fn from(v: $($a)::+) -> Self {
                use $($a)::+ as A;
                use $($b)::+ as B;
                match v {
                    $(A::$variant => B::$variant,)+
                }
            }
        }

        impl From<$($b)::+> for $($a)::+ {
            fn from(v: $($b)::+) -> Self {
                use $($a)::+ as A;
                use $($b)::+ as B;
                match v {
                    $(B::$variant => A::$variant,)+
                }
            }
        }
    };
}

/// One conversion between two records from a list of their fields: `same`
/// fields move as they are, `into` fields convert (`opt` inside an
/// `Option`, `list` item by item), `text` fields become their text (`opt_text`
/// inside an `Option`) and `amount` fields are engine money given as its
/// decimal amount alone. Most conversions are only such a list, so each is
/// written as one instead of a hand-written `From` impl.
macro_rules! convert_record {
    ($($a:ident)::+ => $($b:ident)::+ {
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
                    $($($text: r.$text.to_string(),)*)?
                    $($($opt_text: r.$opt_text.map(|v| v.to_string()),)*)?
                    $($($amount: r.$amount.amount(),)*)?
                }
            }
        }
    };
}

/// Both conversions between an engine record and its WIT mirror, from one
/// list of fields (the kinds of [`convert_record`]); `text` fields are
/// decimals, read by the grammar coming back in.
macro_rules! mirror_record {
    ($($a:ident)::+ <=> $($b:ident)::+ {
        same: [$($same:ident),* $(,)?]
        $(, into: [$($into:ident),* $(,)?])?
        $(, opt: [$($opt:ident),* $(,)?])?
        $(, list: [$($list:ident),* $(,)?])?
        $(, text: [$($text:ident),* $(,)?])?
        $(, opt_text: [$($opt_text:ident),* $(,)?])?
        $(,)?
    }) => {
        $crate::convert::convert_record!($($a)::+ => $($b)::+ {
            same: [$($same),*],
            into: [$($($into),*)?],
            opt: [$($($opt),*)?],
            list: [$($($list),*)?],
            text: [$($($text),*)?],
            opt_text: [$($($opt_text),*)?],
        });
        $crate::convert::convert_record!($($b)::+ => $($a)::+ {
            same: [$($same),*],
            into: [$($($into,)*)? $($($text),*)?],
            opt: [$($($opt,)*)? $($($opt_text),*)?],
            list: [$($($list),*)?],
        });
    };
}

pub(crate) use {convert_record, mirror_enum, mirror_record};
