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
/// variants have the same names: one list serves both ways. A variant with
/// one payload is written with the name its payload is bound to,
/// `Groups(g)`; the payload converts with `From`. Written with `=>` instead
/// of `<=>` it is the one conversion alone, for enums that travel only one
/// way.
macro_rules! mirror_enum {
    ($($a:ident)::+ <=> $($b:ident)::+ { $($variant:ident $(($v:ident))?),+ $(,)? }) => {
        $crate::convert::mirror_enum!($($a)::+ => $($b)::+ { $($variant $(($v))?),+ });
        $crate::convert::mirror_enum!($($b)::+ => $($a)::+ { $($variant $(($v))?),+ });
    };
    ($($a:ident)::+ => $($b:ident)::+ { $($variant:ident $(($v:ident))?),+ $(,)? }) => {
        impl From<$($a)::+> for $($b)::+ {
            fn from(v: $($a)::+) -> Self {
                use $($a)::+ as A;
                use $($b)::+ as B;
                match v {
                    $(A::$variant $(($v))? => B::$variant $((From::from($v)))?,)+
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

/// The exports that are one engine call, as a table in the manner of the
/// engine's `api`: `name(args) -> answer = call;` is the export that makes
/// `call` with the component's environment and its arguments converted, and
/// converts its answer (a `Vec` item by item) and its error to the WIT's.
/// `= call(call_args);` gives the arguments after the environment instead.
/// Written inside the interface's `Guest` impl, one entry an export.
macro_rules! exports {
    () => {};
    (
        $name:ident($($arg:ident: $ty:ty),*) -> Vec<$item:ty>
            = $($call:ident)::+ $(($($call_arg:expr),*))?;
        $($rest:tt)*
    ) => {
        fn $name(
            $($arg: $ty),*
        ) -> Result<Vec<$item>, $crate::bindings::giftcard::plugin::types::Error> {
            $crate::convert::list_result($crate::convert::exports!(
                @call [$($call)::+] [$($arg),*] $(($($call_arg),*))?
            ))
        }
        $crate::convert::exports!($($rest)*);
    };
    (
        $name:ident($($arg:ident: $ty:ty),*) -> $answer:ty
            = $($call:ident)::+ $(($($call_arg:expr),*))?;
        $($rest:tt)*
    ) => {
        fn $name(
            $($arg: $ty),*
        ) -> Result<$answer, $crate::bindings::giftcard::plugin::types::Error> {
            $crate::convert::result($crate::convert::exports!(
                @call [$($call)::+] [$($arg),*] $(($($call_arg),*))?
            ))
        }
        $crate::convert::exports!($($rest)*);
    };
    (@call [$($call:ident)::+] [$($arg:ident),*]) => {
        $($call)::+(&mut $crate::env::ComponentEnv $(, Into::into($arg))*)
    };
    (@call [$($call:ident)::+] [$($arg:ident),*] ($($call_arg:expr),*)) => {
        $($call)::+(&mut $crate::env::ComponentEnv $(, $call_arg)*)
    };
}

pub(crate) use {convert_record, exports, mirror_enum, mirror_record};
