//! The oracle: the nine properties of docs/model.md#properties.

use serde::Serialize;

/// A property a design must keep. The order is the order reports list them in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Property {
    MkwriteContract,
    StableWrites,
    Durability,
    NoLateEnospc,
    NoStorageUaf,
    NoFrameUaf,
    FreezeConsistency,
    FsIntegrity,
    BoundedWait,
}

impl Property {
    pub const ALL: [Property; 9] = [
        Property::MkwriteContract,
        Property::StableWrites,
        Property::Durability,
        Property::NoLateEnospc,
        Property::NoStorageUaf,
        Property::NoFrameUaf,
        Property::FreezeConsistency,
        Property::FsIntegrity,
        Property::BoundedWait,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Property::MkwriteContract => "mkwrite-contract",
            Property::StableWrites => "stable-writes",
            Property::Durability => "durability",
            Property::NoLateEnospc => "no-late-enospc",
            Property::NoStorageUaf => "no-storage-uaf",
            Property::NoFrameUaf => "no-frame-uaf",
            Property::FreezeConsistency => "freeze-consistency",
            Property::FsIntegrity => "fs-integrity",
            Property::BoundedWait => "bounded-wait",
        }
    }

    /// One line: what a violation is.
    pub fn meaning(self) -> &'static str {
        match self {
            Property::MkwriteContract => "a page the filesystem had clean changed or became dirty with no ->page_mkwrite since it was cleaned",
            Property::StableWrites => "page content changed between writeback submit and completion where stable pages are required (checksum/tag mismatch)",
            Property::Durability => "data acknowledged before fsync/sync started is not on disk when it returns, or is later replaced on disk by older data",
            Property::NoLateEnospc => "writeback of data the application was told is written failed for lack of space",
            Property::NoStorageUaf => "a device or writeback wrote a block after the filesystem freed it",
            Property::NoFrameUaf => "DMA reached a frame after it was freed or reused",
            Property::FreezeConsistency => "a frozen filesystem got a dirty page or a disk write",
            Property::FsIntegrity => "the filesystem met a state its code treats as a bug (WARN/BUG)",
            Property::BoundedWait => "a thread waits forever",
        }
    }

    pub fn from_name(s: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.name() == s)
    }

    pub fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of properties as a bit mask (cheap to merge across millions of transitions).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PropertySet(pub u16);

impl PropertySet {
    pub fn insert(&mut self, p: Property) {
        self.0 |= p.bit();
    }
    pub fn contains(self, p: Property) -> bool {
        self.0 & p.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn union(self, o: PropertySet) -> PropertySet {
        PropertySet(self.0 | o.0)
    }
    pub fn iter(self) -> impl Iterator<Item = Property> {
        Property::ALL.into_iter().filter(move |p| self.contains(*p))
    }
    pub fn from_slice(ps: &[Property]) -> PropertySet {
        let mut s = PropertySet::default();
        for p in ps {
            s.insert(*p);
        }
        s
    }
}
