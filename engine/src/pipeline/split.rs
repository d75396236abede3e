//! Exact proportional splits. Money split "in proportion" must still add up to
//! the last minor unit, so shares are floored and the units left over go to
//! the largest remainders (ties to the earlier weight): every share is within
//! one unit of its exact proportion, never above its weight when the total
//! does not exceed the weights' sum, and the shares always sum to the total.

/// Splits `total` (≥ 0) across `weights` (each ≥ 0) in proportion.
pub fn proportional(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum == 0 || total <= 0 {
        return vec![0; weights.len()];
    }
    let total = i128::from(total);
    let mut shares: Vec<i128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(i128, usize)> = Vec::with_capacity(weights.len());
    for (i, &w) in weights.iter().enumerate() {
        let exact = total * i128::from(w.max(0));
        shares.push(exact / sum);
        remainders.push((exact % sum, i));
    }
    let mut left = total - shares.iter().sum::<i128>();
    // Largest remainder first; on equal remainders the earlier weight wins.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders {
        if left == 0 {
            break;
        }
        if weights[i] > 0 {
            shares[i] += 1;
            left -= 1;
        }
    }
    shares.into_iter().map(|s| s as i64).collect()
}

/// `value × numerator ÷ denominator`, rounded half up (half away from zero for
/// the non-negative values used here). `denominator` must be positive.
pub fn mul_div_half_up(value: i64, numerator: i64, denominator: i64) -> i64 {
    let n = i128::from(value) * i128::from(numerator);
    let d = i128::from(denominator);
    ((2 * n + d) / (2 * d)) as i64
}

/// `value × numerator ÷ denominator`, rounded up, for the non-negative
/// values used here. `denominator` must be positive.
pub fn mul_div_ceil(value: i64, numerator: i64, denominator: i64) -> i64 {
    let n = i128::from(value) * i128::from(numerator);
    let d = i128::from(denominator);
    ((n + d - 1) / d) as i64
}

#[cfg(test)]
mod tests;
