//! "Did you mean ...?": the closest known word within a small edit distance.

use pinlab_model::design::DesignError;

/// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions), on chars.
pub(crate) fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev2: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
        }
        prev2 = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// The candidate closest to `word` (case-insensitively) if it is within distance 2 and the edit
/// changes at most half of the longer word; the first one wins a tie.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    if word.len() > 64 {
        return None;
    }
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if c == word {
            continue;
        }
        let d = distance(&lower, &c.to_lowercase());
        let longer = word.chars().count().max(c.chars().count());
        let better = match best {
            None => true,
            Some((bd, _)) => d < bd,
        };
        if d <= 2 && d * 2 <= longer && better {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Like [`closest`], for keywords that are long words of several parts
/// (`wait_for_completion`): first the one keyword that starts with `word` (`wait`, `trunc`; at
/// least 3 characters), then the closest within the edit distance, then the one keyword that
/// shares with `word` a prefix of at least 4 characters and either half its own length or an
/// edit distance of at most a quarter of its length (`wait_for_complete`, `completion`,
/// `wait_completion`).
pub(crate) fn closest_keyword<'a>(
    word: &str,
    keywords: impl IntoIterator<Item = &'a str> + Clone,
) -> Option<&'a str> {
    let long_enough = (3..=64).contains(&word.chars().count());
    let lower = word.to_lowercase();
    let only = |v: Vec<&'a str>| match v[..] {
        [one] => Some(one),
        _ => None,
    };
    let starting = keywords
        .clone()
        .into_iter()
        .filter(|k| k.starts_with(lower.as_str()) && *k != lower)
        .collect();
    if let Some(k) = only(starting).filter(|_| long_enough) {
        return Some(k);
    }
    if let Some(c) = closest(word, keywords.clone()) {
        return Some(c);
    }
    if !long_enough {
        return None;
    }
    let shared = |k: &str| {
        k.chars()
            .zip(lower.chars())
            .take_while(|(a, b)| a == b)
            .count()
    };
    only(
        keywords
            .into_iter()
            .filter(|k| {
                let (n, len) = (shared(k), k.chars().count());
                n >= 4 && (n * 2 >= len || distance(&lower, k) * 4 <= len)
            })
            .collect(),
    )
}

/// `did you mean `x`?` or nothing.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// Joins a help sentence and an optional suggestion: "did you mean `x`? {rest}".
pub(crate) fn with_suggestion(suggestion: Option<String>, rest: String) -> String {
    match suggestion {
        Some(s) => format!("{s} {rest}"),
        None => rest,
    }
}

/// design_help() - the help for a word that names no design, as an `expect` line and the
/// command line's `--design` both give it: "did you mean" a near preset, then why the word is no
/// design.
/// @word: the word given.
/// @parse_error: `Design::parse`'s error for it.
pub fn design_help(word: &str, parse_error: &DesignError) -> String {
    // The caller's message already names the word; an unknown one gets only the rule.
    let why = match parse_error {
        DesignError::Unknown(_) => DesignError::what_a_design_is(),
        other => other.to_string(),
    };
    with_suggestion(
        did_you_mean(word, pinlab_model::design::PRESETS.iter().map(|p| p.name)),
        why,
    )
}

/// property_help() - the help for a word that names no property: "did you mean" one of `names`,
/// then the list of them.
/// @word: the word given.
/// @names: the properties allowed where the word stands.
pub fn property_help(word: &str, names: &[&str]) -> String {
    with_suggestion(
        did_you_mean(word, names.iter().copied()),
        format!("properties: {}", names.join(", ")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn design_and_property_help_suggest_like_a_litmus_file() {
        let e = pinlab_model::design::Design::parse("pin-wiat").unwrap_err();
        let h = design_help("pin-wiat", &e);
        assert!(
            h.starts_with("did you mean `pin-wait`? use a preset ("),
            "{h}"
        );
        let e = pinlab_model::design::Design::parse("pincount+wiat").unwrap_err();
        assert!(design_help("pincount+wiat", &e).starts_with("unknown handling `wiat`"));
        assert_eq!(
            property_help("durabilty", &["durability", "stable-writes"]),
            "did you mean `durability`? properties: durability, stable-writes"
        );
    }

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("ext5", "ext4"), 1);
        assert_eq!(distance("sharde", "shared"), 1);
        assert_eq!(distance("kitten", "sitting"), 3);
    }

    #[test]
    fn closest_picks_near_words_only() {
        let fs = ["ext4", "xfs", "btrfs", "tmpfs", "hugetlbfs"];
        assert_eq!(closest("ext5", fs), Some("ext4"));
        assert_eq!(closest("EXT4", fs), Some("ext4"));
        assert_eq!(closest("btrsf", fs), Some("btrfs"));
        assert_eq!(closest("zfs", fs), Some("xfs"));
        assert_eq!(closest("ntfs3", fs), None);
        // one letter is too short to guess from
        assert_eq!(closest("x", ["f"]), None);
        assert_eq!(closest("r1", ["r2"]), Some("r2"));
    }

    #[test]
    fn closest_keyword_knows_prefixes_of_long_keywords() {
        let ops = [
            "store",
            "sync",
            "seal",
            "write",
            "writeback",
            "fallocate",
            "complete",
            "wait_for_completion",
        ];
        assert_eq!(closest_keyword("stor", ops), Some("store"));
        assert_eq!(closest_keyword("fallocat", ops), Some("fallocate"));
        assert_eq!(closest_keyword("falloc", ops), Some("fallocate"));
        assert_eq!(closest_keyword("wait", ops), Some("wait_for_completion"));
        assert_eq!(
            closest_keyword("wait_for_complete", ops),
            Some("wait_for_completion")
        );
        assert_eq!(
            closest_keyword("wait_completion", ops),
            Some("wait_for_completion")
        );
        assert_eq!(closest_keyword("completion", ops), Some("complete"));
        // too short to guess from, or a prefix of several keywords
        assert_eq!(closest_keyword("wa", ops), None);
        assert_eq!(closest_keyword("unpinned", ["pin", "unpin"]), Some("unpin"));
        assert_eq!(closest_keyword("zzz", ops), None);
        assert_eq!(closest_keyword("sea", ops), Some("seal"));
        // a prefix of two keywords: the closest one
        assert_eq!(closest_keyword("wri", ops), Some("write"));
        assert_eq!(closest_keyword("writeb", ops), Some("writeback"));
        assert_eq!(closest_keyword("s_x", ops), None);
    }
}
