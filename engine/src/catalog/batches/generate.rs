//! Generating a batch of cards from a definition: unique codes, inserted in chunks.

use super::*;

/// Generates `count` codes for a definition: cards of its value (origin
/// `batch`) with their `created` ledger rows, in a handful of statements per
/// [`CHUNK`] cards (see the module docs).
pub fn generate(env: &mut dyn Environment, req: GenerateRequest) -> Result<Generated> {
    if !(1..=MAX_GENERATE).contains(&req.count) {
        return Err(bad(format!(
            "count: 1 to {MAX_GENERATE}, not {}",
            req.count
        )));
    }
    check_text("admin-user", &req.admin_user, 100, true)?;
    let max_uses = req.max_uses.unwrap_or(-1);
    if max_uses < -1 || max_uses == 0 {
        return Err(bad(format!(
            "max-uses: -1 (unlimited) or at least 1, not {max_uses}"
        )));
    }
    let prefix = match req.prefix.as_deref() {
        Some(p) => {
            let p = p.trim().to_ascii_uppercase();
            if p.len() > 8 || !p.bytes().all(|b| b.is_ascii_alphanumeric()) {
                return Err(bad(format!(
                    "prefix `{}`: up to 8 letters and digits",
                    p.chars().take(16).collect::<String>()
                )));
            }
            Some(p)
        }
        None => None,
    };
    let definition = load(env, req.definition_id)?;
    let mut format = settings::load(env)?.code_format();
    if let Some(p) = prefix {
        format.prefix = p;
    }
    let now = env.now();
    let count = req.count as usize;
    let first_card = next_ids(env, "card", req.count)?;
    let first_entry = next_ids(env, "history", req.count)?;
    let actor = Actor::Admin(req.admin_user.clone());
    let shared = BatchCard {
        value: definition.value,
        currency: definition.currency,
        test: req.test,
        max_uses,
        definition_id: definition.id,
        at: now,
    };
    // Every card's first row: what `cards::insert` writes for one card.
    let created = NewEntry {
        card_id: 0,
        action: HistoryAction::Created,
        amount: definition.value,
        balance_before: 0,
        actor: &actor,
        reference: None,
        comment: None,
        at: now,
    };
    let mut written = 0usize;
    while written < count {
        let n = CHUNK.min(count - written);
        let codes = draw_unique(env, &format, n)?;
        let ids: Vec<i64> = (0..n as i64)
            .map(|i| first_card + written as i64 + i)
            .collect();
        insert_cards(env, &shared, &ids, &codes)?;
        ledger::append_uniform(env, first_entry + written as i64, &ids, &created)?;
        written += n;
    }
    let total_codes = code_count(env, definition.id)?;
    Ok(Generated {
        definition_id: definition.id,
        count: req.count,
        first_card_id: first_card as u64,
        last_card_id: (first_card + count as i64 - 1) as u64,
        total_codes,
    })
}

/// What every card of one generation shares.
struct BatchCard {
    value: i64,
    currency: Currency,
    test: bool,
    max_uses: i32,
    definition_id: u64,
    at: Seconds,
}

/// Draws `n` codes that are distinct from each other and from every stored
/// card: one random buffer per round, one `IN (…)` lookup per round.
fn draw_unique(env: &mut dyn Environment, format: &CodeFormat, n: usize) -> Result<Vec<Code>> {
    let len = usize::from(format.length);
    let mut codes: Vec<Option<Code>> = vec![None; n];
    let mut seen: HashSet<String> = HashSet::with_capacity(n);
    for _ in 0..CODE_ATTEMPTS {
        let missing: Vec<usize> = (0..n).filter(|&i| codes[i].is_none()).collect();
        if missing.is_empty() {
            break;
        }
        let mut bytes = vec![0u8; missing.len() * len];
        env.fill_random(&mut bytes);
        let mut fresh: Vec<usize> = Vec::with_capacity(missing.len());
        for (k, &i) in missing.iter().enumerate() {
            let mut chunk = &bytes[k * len..(k + 1) * len];
            let code = code::generate(format, &mut |buf: &mut [u8]| {
                buf.copy_from_slice(&chunk[..buf.len()]);
                chunk = &chunk[buf.len()..];
            });
            // Drawn twice within this generation's chunk: draw again.
            if seen.insert(code.normalized.clone()) {
                codes[i] = Some(code);
                fresh.push(i);
            }
        }
        if fresh.is_empty() {
            continue;
        }
        let placeholders: Vec<String> = (1..=fresh.len()).map(|p| format!("?{p}")).collect();
        let params: Vec<Value> = fresh
            .iter()
            .map(|&i| Value::from(codes[i].as_ref().expect("just drawn").normalized.as_str()))
            .collect();
        let taken = env.db().execute(
            &format!(
                "SELECT code FROM gc_cards WHERE code IN ({})",
                placeholders.join(", ")
            ),
            &params,
        )?;
        let taken: HashSet<String> = taken
            .iter()
            .map(|r| r.text("code"))
            .collect::<std::result::Result<_, _>>()?;
        if !taken.is_empty() {
            for &i in &fresh {
                if codes[i]
                    .as_ref()
                    .is_some_and(|c| taken.contains(&c.normalized))
                {
                    codes[i] = None;
                }
            }
        }
    }
    codes
        .into_iter()
        .map(|c| {
            c.ok_or_else(|| {
                Error::Database("could not draw unused codes; is the random source working?".into())
            })
        })
        .collect()
}

/// One multi-row INSERT of cards: the shared values are bound once (`?1` …
/// `?6`), each row adds its id and code forms.
fn insert_cards(
    env: &mut dyn Environment,
    shared: &BatchCard,
    ids: &[i64],
    codes: &[Code],
) -> Result<()> {
    const PER_ROW: usize = 4;
    const SHARED: usize = 6;
    let mut sql = String::with_capacity(300 + ids.len() * 64);
    sql.push_str(
        "INSERT INTO gc_cards (id, code, display_code, masked_code, status, balance, \
         initial_value, currency, created_at, updated_at, is_test, origin, max_uses, \
         definition_id) VALUES ",
    );
    let mut params = Vec::with_capacity(SHARED + ids.len() * PER_ROW);
    params.extend([
        Value::Integer(shared.value),
        Value::from(shared.currency.code()),
        Value::Integer(shared.at),
        Value::Integer(i64::from(shared.test)),
        Value::Integer(i64::from(shared.max_uses)),
        Value::Integer(shared.definition_id as i64),
    ]);
    for (k, (id, code)) in ids.iter().zip(codes).enumerate() {
        let p = SHARED + k * PER_ROW;
        if k > 0 {
            sql.push_str(", ");
        }
        use std::fmt::Write;
        write!(
            sql,
            "(?{}, ?{}, ?{}, ?{}, 'active', ?1, ?1, ?2, ?3, ?3, ?4, 'batch', ?5, ?6)",
            p + 1,
            p + 2,
            p + 3,
            p + 4
        )
        .expect("writing to a string");
        params.push(Value::Integer(*id));
        params.push(Value::from(code.normalized.as_str()));
        params.push(Value::from(code.display.as_str()));
        params.push(Value::from(code.masked.as_str()));
    }
    match env.db().execute(&sql, &params) {
        Ok(_) => Ok(()),
        // Only a concurrent writer can take a code between the check and
        // this statement; the whole generation is rolled back.
        Err(crate::storage::db::DbError::ConstraintViolation(_)) => Err(Error::CodeTaken),
        Err(e) => Err(e.into()),
    }
}
