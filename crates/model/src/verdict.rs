//! The verdict vocabulary: the one place the kinds of verdict are named, ordered, drawn and
//! explained. The checker's `Verdict`, the litmus `expect` line, the tables, the JSON `kind` and the
//! HTML legend all spell a verdict through `VerdictKind`, so a new kind (or a renamed one) is one
//! edit here.

/// A kind of verdict, without its details (which properties, what was found before a limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VerdictKind {
    /// No execution violates a property.
    Safe,
    /// Some execution violates a property.
    Unsafe,
    /// Some execution leaves a thread waiting forever.
    Hang,
    /// The design refuses a pin the application could have had.
    Refused,
    /// The design takes a device's access away.
    Revoked,
    /// A limit was hit before every execution was seen: never read as safe.
    Incomplete,
}

impl VerdictKind {
    /// Every kind, in the order of the HTML legend.
    pub const ALL: [VerdictKind; 6] = [
        VerdictKind::Safe,
        VerdictKind::Unsafe,
        VerdictKind::Hang,
        VerdictKind::Refused,
        VerdictKind::Revoked,
        VerdictKind::Incomplete,
    ];

    /// The kinds an `expect` line may name, in the order its diagnostics list them: a limit is
    /// not an outcome anyone can expect.
    pub const EXPECTABLE: [VerdictKind; 5] = [
        VerdictKind::Safe,
        VerdictKind::Refused,
        VerdictKind::Revoked,
        VerdictKind::Hang,
        VerdictKind::Unsafe,
    ];

    /// The word: in litmus `expect` lines, table cells, JSON `kind` and CSS classes.
    pub const fn name(self) -> &'static str {
        match self {
            VerdictKind::Safe => "safe",
            VerdictKind::Unsafe => "unsafe",
            VerdictKind::Hang => "hang",
            VerdictKind::Refused => "refused",
            VerdictKind::Revoked => "revoked",
            VerdictKind::Incomplete => "incomplete",
        }
    }

    pub fn from_name(s: &str) -> Option<VerdictKind> {
        VerdictKind::ALL.into_iter().find(|k| k.name() == s)
    }

    /// A symbol that does not depend on colour (the HTML report's badges).
    pub fn symbol(self) -> &'static str {
        match self {
            VerdictKind::Safe => "✓",
            VerdictKind::Unsafe => "✗",
            VerdictKind::Hang => "∞",
            VerdictKind::Refused => "⊘",
            VerdictKind::Revoked => "↯",
            VerdictKind::Incomplete => "?",
        }
    }

    /// What the kind means, in one line (the HTML legend).
    pub fn meaning(self) -> &'static str {
        match self {
            VerdictKind::Safe => "no execution violates a property",
            VerdictKind::Unsafe => "some execution violates the properties named",
            VerdictKind::Hang => "some execution leaves a thread waiting forever",
            VerdictKind::Refused => "the design refuses a pin the application could have had",
            VerdictKind::Revoked => "the design takes a device's access away",
            VerdictKind::Incomplete => "a limit was hit; never read as safe",
        }
    }
}

impl crate::scenario::ExpectedVerdict {
    pub fn kind(&self) -> VerdictKind {
        use crate::scenario::ExpectedVerdict as E;
        match self {
            E::Safe => VerdictKind::Safe,
            E::Refused => VerdictKind::Refused,
            E::Revoked => VerdictKind::Revoked,
            E::Hang => VerdictKind::Hang,
            E::UnsafeAny | E::Unsafe(_) => VerdictKind::Unsafe,
        }
    }

    /// The `expect` line's spelling: `safe`, `unsafe`, `unsafe(P, Q)` with the properties sorted.
    pub fn text(&self) -> String {
        match self {
            crate::scenario::ExpectedVerdict::Unsafe(ps) => {
                let mut ps = ps.clone();
                ps.sort();
                format!(
                    "unsafe({})",
                    ps.iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
                )
            }
            other => other.kind().name().to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VerdictKind;

    #[test]
    fn every_kind_has_a_distinct_name_and_symbol_and_reads_back() {
        let mut names: Vec<_> = VerdictKind::ALL.iter().map(|k| k.name()).collect();
        let mut symbols: Vec<_> = VerdictKind::ALL.iter().map(|k| k.symbol()).collect();
        names.sort();
        names.dedup();
        symbols.sort();
        symbols.dedup();
        assert_eq!(names.len(), VerdictKind::ALL.len());
        assert_eq!(symbols.len(), VerdictKind::ALL.len());
        for k in VerdictKind::ALL {
            assert_eq!(VerdictKind::from_name(k.name()), Some(k));
        }
        assert!(!VerdictKind::EXPECTABLE.contains(&VerdictKind::Incomplete));
    }
}
