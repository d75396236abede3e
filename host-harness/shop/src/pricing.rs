//! The shop's collectors before the gift card's, as pure functions of the
//! quote: subtotal → discount → shipping → tax. The gift-card collector is the
//! plugin's (`totals.collect`) and the grand total follows from it; see
//! [`super::quotes`]. Kept pure so the arithmetic is unit-tested exactly.

use super::money::percent_of;
use giftcard_engine::pipeline::split::proportional;
use rust_decimal::Decimal;

/// A line as the collectors see it, in the quote's currency (minor units).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineInput {
    pub quantity: i64,
    pub unit_price: i64,
    /// Whether the website's tax rate applies (gift-card products are not
    /// taxed by default: a multi-purpose voucher is taxed when it is spent).
    pub taxable: bool,
    /// A physical (shipped) product: makes the quote pay shipping.
    pub physical: bool,
}

/// A quote-level discount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Discount {
    /// A percentage of the subtotal, rounded half up.
    Percent(Decimal),
    /// A fixed amount in the quote's currency.
    Fixed(i64),
}

/// One line's amounts after the collectors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineAmounts {
    /// `quantity × unit_price`, exactly.
    pub row_total: i64,
    pub discount: i64,
    pub tax: i64,
}

/// What the shop's collectors produce, before gift cards.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Collected {
    pub lines: Vec<LineAmounts>,
    pub subtotal: i64,
    pub discount: i64,
    pub shipping: i64,
    pub shipping_tax: i64,
    /// Tax on the lines (without shipping's).
    pub line_tax: i64,
    /// Lines (row − discount + tax) plus shipping and its tax.
    pub total_before_cards: i64,
}

/// Runs subtotal → discount → shipping → tax.
///
/// - subtotal: the sum of `quantity × unit_price`;
/// - discount: the percentage (half up) or the fixed amount, capped at the
///   subtotal, spread across the lines by row total with the largest
///   remainder, so the line discounts add up to it exactly and none exceeds
///   its row;
/// - shipping: `flat_shipping` when a line is physical, else 0, unless
///   `shipping_override` says otherwise;
/// - tax: `tax_percent` of each taxable line's `row − discount`, half up per
///   line, and of shipping.
pub fn collect(
    lines: &[LineInput],
    discount: Option<Discount>,
    flat_shipping: i64,
    shipping_override: Option<i64>,
    tax_percent: Decimal,
) -> Collected {
    let rows: Vec<i64> = lines.iter().map(|l| l.quantity * l.unit_price).collect();
    let subtotal: i64 = rows.iter().sum();
    let wanted = match discount {
        None => 0,
        Some(Discount::Percent(p)) => percent_of(subtotal, p),
        Some(Discount::Fixed(a)) => a,
    };
    let discount = wanted.clamp(0, subtotal);
    let discounts = proportional(discount, &rows);
    let shipping = shipping_override.unwrap_or(if lines.iter().any(|l| l.physical) {
        flat_shipping
    } else {
        0
    });
    let shipping_tax = percent_of(shipping, tax_percent);
    let amounts: Vec<LineAmounts> = lines
        .iter()
        .zip(rows.iter().zip(&discounts))
        .map(|(l, (row, disc))| LineAmounts {
            row_total: *row,
            discount: *disc,
            tax: if l.taxable {
                percent_of(row - disc, tax_percent)
            } else {
                0
            },
        })
        .collect();
    let line_tax: i64 = amounts.iter().map(|a| a.tax).sum();
    Collected {
        total_before_cards: subtotal - discount + line_tax + shipping + shipping_tax,
        lines: amounts,
        subtotal,
        discount,
        shipping,
        shipping_tax,
        line_tax,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn line(quantity: i64, unit_price: i64, physical: bool) -> LineInput {
        LineInput {
            quantity,
            unit_price,
            taxable: true,
            physical,
        }
    }

    #[test]
    fn the_collectors_run_in_order() {
        let lines = [line(2, 1999, true), line(1, 1000, false)];
        let c = collect(
            &lines,
            Some(Discount::Percent(Decimal::from(10))),
            500,
            None,
            Decimal::from(20),
        );
        assert_eq!(c.subtotal, 4998);
        assert_eq!(c.discount, 500); // 499.8 → 500
        // Spread by row total: 3998 and 1000 → 399.92 / 100.08 → 400 / 100.
        assert_eq!(c.lines[0].discount + c.lines[1].discount, 500);
        assert_eq!((c.lines[0].discount, c.lines[1].discount), (400, 100));
        assert_eq!(c.lines[0].tax, 720); // 20% of 3598 = 719.6
        assert_eq!(c.lines[1].tax, 180);
        assert_eq!(c.shipping, 500);
        assert_eq!(c.shipping_tax, 100);
        assert_eq!(c.total_before_cards, 4998 - 500 + 900 + 500 + 100);
    }

    #[test]
    fn a_fixed_discount_is_capped_at_the_subtotal_and_no_physical_line_means_no_shipping() {
        let lines = [line(1, 1000, false), line(3, 333, false)];
        let c = collect(
            &lines,
            Some(Discount::Fixed(99_999)),
            500,
            None,
            Decimal::ZERO,
        );
        assert_eq!(c.discount, 1999);
        assert_eq!(c.lines[0].discount, 1000);
        assert_eq!(c.lines[1].discount, 999);
        assert_eq!(c.shipping, 0);
        assert_eq!(c.total_before_cards, 0);
    }

    #[test]
    fn shipping_can_be_overridden_and_untaxed_lines_stay_untaxed() {
        let mut gift = line(2, 2500, false);
        gift.taxable = false;
        let c = collect(
            &[gift, line(1, 1050, true)],
            None,
            500,
            Some(0),
            Decimal::from_str("7.25").unwrap(),
        );
        assert_eq!(c.shipping, 0);
        assert_eq!(c.lines[0].tax, 0);
        assert_eq!(c.lines[1].tax, 76); // 76.125
        assert_eq!(c.total_before_cards, 5000 + 1050 + 76);
    }
}
