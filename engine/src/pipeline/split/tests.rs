use super::*;
use proptest::prelude::*;

#[test]
fn splits_exactly() {
    assert_eq!(proportional(100, &[1, 1, 1]), vec![34, 33, 33]);
    assert_eq!(proportional(10, &[0, 5, 5]), vec![0, 5, 5]);
    assert_eq!(proportional(0, &[3, 4]), vec![0, 0]);
    assert_eq!(proportional(7, &[0, 0]), vec![0, 0]);
    assert_eq!(proportional(1500, &[1500, 2000]), vec![643, 857]);
    assert_eq!(mul_div_half_up(5, 1, 2), 3);
    assert_eq!(mul_div_half_up(4, 1, 3), 1);
}

proptest! {
    #[test]
    fn shares_sum_and_stay_within_weights(
        weights in proptest::collection::vec(0i64..1_000_000, 1..12),
        frac in 0u32..=1000,
    ) {
        let sum: i64 = weights.iter().sum();
        let total = sum * i64::from(frac) / 1000;
        let shares = proportional(total, &weights);
        if sum > 0 {
            prop_assert_eq!(shares.iter().sum::<i64>(), total);
        }
        for (s, w) in shares.iter().zip(&weights) {
            prop_assert!(*s >= 0 && s <= w);
        }
    }
}
