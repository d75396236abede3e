//! Printing cards: whole documents and resumable parts.

use super::*;

/// Most cards one print run may hold (page objects are numbered from the
/// page index, up to this many).
pub const MAX_PRINT_RUN: usize = giftcard_documents::MAX_RUN_PAGES;

/// Most cards in one part of a print run.
pub const MAX_PRINT_PART: u32 = 100;

/// The part size a `limit` of 0 asks for.
pub const DEFAULT_PRINT_PART: u32 = 50;

/// A part stops early (after at least one page) once its content passes
/// this: the whole part leaves the component as one `list<u8>`, and a host
/// calling dynamically pays for every byte (wasmtime's default allowance
/// for what one call may copy out is 128 MiB, and a dynamic value costs
/// tens of bytes per byte). A typical page is about 7 KB, so the limit ends
/// a part long before this does; long codes and messages cannot make a
/// part grow beyond reach.
pub const PRINT_PART_BYTES: usize = 1 << 20;

/// How many ids one `IN (...)` query names.
const ID_CHUNK: usize = 500;

/// One part of a print run (see [`PrintPartRequest`]). Reads only: a page
/// carries no view link, so no view token is made.
///
/// The first part (`resume: none`) checks every card of the run before it
/// draws a page, so a run that cannot be printed is refused before the host
/// writes anything; every part checks its own cards again, since cards can
/// change between parts (each part is its own call).
pub fn print_part(env: &mut dyn Environment, req: PrintPartRequest) -> Result<DocumentPart> {
    let n = req.card_ids.len();
    if n == 0 || n > MAX_PRINT_RUN {
        return Err(Error::InvalidArgument(format!(
            "card-ids: 1 to {MAX_PRINT_RUN} cards (got {n})"
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(n);
    if let Some(dup) = req.card_ids.iter().find(|id| !seen.insert(**id)) {
        return Err(Error::InvalidArgument(format!(
            "card-ids: card {dup} is listed twice"
        )));
    }
    if req.limit > MAX_PRINT_PART {
        return Err(Error::InvalidArgument(format!(
            "limit: 0 to {MAX_PRINT_PART} cards per part (0 means {DEFAULT_PRINT_PART}), not {}",
            req.limit
        )));
    }
    let limit = match req.limit {
        0 => DEFAULT_PRINT_PART,
        l => l,
    } as usize;
    let after = match req.resume {
        None => None,
        Some(r) => {
            if r.pages_done == 0 || r.pages_done as usize >= n {
                return Err(Error::InvalidArgument(format!(
                    "resume.pages-done: 1 to {} for a run of {n} card(s), not {}",
                    n - 1,
                    r.pages_done
                )));
            }
            let at = giftcard_documents::PdfPosition {
                pages: r.pages_done,
                bytes: r.bytes_done,
                xref: r.previous_xref,
            };
            giftcard_documents::check_pdf_position(at).map_err(|e| {
                Error::InvalidArgument(format!("resume (bytes-done, previous-xref): {e}"))
            })?;
            Some(at)
        }
    };
    let start = after.map_or(0, |at| at.pages as usize);
    let now = env.now();
    if after.is_none() {
        // A chunk at a time, each dropped once checked, so a 10,000-card
        // run never holds every card in memory.
        for chunk in req.card_ids.chunks(ID_CHUNK) {
            load_printable(env, chunk, now)?;
        }
    }
    let ids = &req.card_ids[start..n.min(start + limit)];
    let settings = settings::load(env)?;
    let pages: Vec<_> = load_printable(env, ids, now)?
        .iter()
        .map(|card| render::printable(card, &settings))
        .collect();
    let part = render::pdf_part(&pages, after, PRINT_PART_BYTES)?;
    let end = part.end;
    Ok(DocumentPart {
        content: part.content,
        pages: part.pages,
        next: ((end.pages as usize) < n).then_some(PrintResume {
            pages_done: end.pages,
            bytes_done: end.bytes,
            previous_xref: end.xref,
        }),
    })
}

/// Loads cards to print, in the order given: the first missing one is
/// `card-not-found`, the first cancelled one `invalid-status`. At most
/// [`ID_CHUNK`] ids, one query.
fn load_printable(
    env: &mut dyn Environment,
    ids: &[CardId],
    now: Seconds,
) -> Result<Vec<StoredCard>> {
    let mut by_id = cards::load_many(env, ids, ID_CHUNK)?;
    ids.iter()
        .map(|id| {
            let card = by_id.remove(id).ok_or(Error::CardNotFound)?;
            if card.status(now) == CardStatus::Cancelled {
                return Err(Error::InvalidStatus {
                    status: CardStatus::Cancelled,
                    operation: "print".into(),
                });
            }
            Ok(card)
        })
        .collect()
}

/// Printable cards, one per page.
pub fn print_cards(env: &mut dyn Environment, card_ids: &[CardId]) -> Result<Document> {
    if card_ids.is_empty() || card_ids.len() > MAX_PRINT {
        return Err(Error::InvalidArgument(format!(
            "card-ids: 1 to {MAX_PRINT} cards"
        )));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = card_ids.iter().find(|id| !seen.insert(**id)) {
        return Err(Error::InvalidArgument(format!(
            "card-ids: card {dup} is listed twice"
        )));
    }
    let settings = settings::load(env)?;
    let now = env.now();
    let mut pages = Vec::with_capacity(card_ids.len());
    for id in card_ids {
        let card = cards::load(env, &CardRef::Id(*id))?;
        if card.status(now) == CardStatus::Cancelled {
            return Err(Error::InvalidStatus {
                status: CardStatus::Cancelled,
                operation: "print".into(),
            });
        }
        let token = view_token(env, card.id)?;
        pages.push(render::CardFacts::of(&card, &settings, &token).printable(&settings));
    }
    let content = render::pdf(&pages)?;
    Ok(Document {
        name: if card_ids.len() == 1 {
            format!("gift-card-{}.pdf", card_ids[0])
        } else {
            "gift-cards.pdf".into()
        },
        media_type: "application/pdf".into(),
        pages: pages.len() as u32,
        content,
    })
}
