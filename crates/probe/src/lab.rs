//! The backings the probe runs scenarios on, made on first use inside the private folder and kept
//! for the whole run: loop-mounted ext4, xfs and btrfs images, a tmpfs and a hugetlbfs mount of
//! the probe's own, memfds, and anonymous memory.

use crate::error::Unavailable;
use crate::sandbox::Sandbox;
use crate::sys;
use pinlab_model::fs::FsKind;
use serde::Serialize;
use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BackingKind {
    Ext4,
    Xfs,
    Btrfs,
    Tmpfs,
    Hugetlbfs,
    Memfd,
    MemfdHugetlb,
    Anon,
}

pub const ALL: [BackingKind; 8] = [
    BackingKind::Ext4,
    BackingKind::Xfs,
    BackingKind::Btrfs,
    BackingKind::Tmpfs,
    BackingKind::Hugetlbfs,
    BackingKind::Memfd,
    BackingKind::MemfdHugetlb,
    BackingKind::Anon,
];

impl BackingKind {
    pub fn name(self) -> &'static str {
        match self {
            BackingKind::Ext4 => "ext4",
            BackingKind::Xfs => "xfs",
            BackingKind::Btrfs => "btrfs",
            BackingKind::Tmpfs => "tmpfs",
            BackingKind::Hugetlbfs => "hugetlbfs",
            BackingKind::Memfd => "memfd",
            BackingKind::MemfdHugetlb => "memfd-hugetlb",
            BackingKind::Anon => "anon",
        }
    }

    /// The model's filesystem for this backing: the one its scenarios are lowered for.
    pub fn model_fs(self) -> FsKind {
        let name = match self {
            BackingKind::Ext4 => "ext4",
            BackingKind::Xfs => "xfs",
            BackingKind::Btrfs => "btrfs",
            BackingKind::Tmpfs => "tmpfs",
            BackingKind::Hugetlbfs | BackingKind::MemfdHugetlb => "hugetlbfs",
            BackingKind::Memfd | BackingKind::Anon => "memfd",
        };
        FsKind::from_name(name).expect("the model has every backing's filesystem")
    }

    pub fn from_name(s: &str) -> Option<BackingKind> {
        ALL.into_iter().find(|k| k.name() == s)
    }

    /// Huge pages: one litmus page is one 2 MiB page.
    pub fn hugetlb(self) -> bool {
        matches!(self, BackingKind::Hugetlbfs | BackingKind::MemfdHugetlb)
    }

    /// The size of one litmus page on this backing.
    pub fn page(self) -> usize {
        if self.hugetlb() {
            2 << 20
        } else {
            sys::page_size()
        }
    }

    /// Loop-mounted disk filesystems: writeback, `disk F[i]`.
    pub fn disk(self) -> bool {
        matches!(
            self,
            BackingKind::Ext4 | BackingKind::Xfs | BackingKind::Btrfs
        )
    }

    /// Files are memfds (no path, no mount).
    pub fn memfd(self) -> bool {
        matches!(self, BackingKind::Memfd | BackingKind::MemfdHugetlb)
    }
}

/// One backing, set up.
pub struct Backing {
    pub kind: BackingKind,
    /// The mount point and an fd of its root (freeze, thaw, syncfs).
    pub mount: Option<(PathBuf, File)>,
    pub loop_dev: Option<String>,
    /// btrfs: logical → device offsets, for `disk F[i]`.
    pub chunks: Vec<sys::Chunk>,
}

/// The probe's private folder and the backings made in it so far.
pub struct Lab {
    pub sandbox: Arc<Mutex<Sandbox>>,
    backings: HashMap<BackingKind, Result<Arc<Backing>, Unavailable>>,
    hugepages: Option<Result<(), Unavailable>>,
    /// Huge pages to reserve for the run (each scenario needs at most files × pages plus COW copies).
    pub hugepages_wanted: u64,
}

impl Lab {
    pub fn new(sandbox: Sandbox) -> Lab {
        Lab {
            sandbox: Arc::new(Mutex::new(sandbox)),
            backings: HashMap::new(),
            hugepages: None,
            hugepages_wanted: 16,
        }
    }

    pub fn dir(&self) -> PathBuf {
        self.sandbox.lock().expect("sandbox").dir.clone()
    }

    /// The backing, set up on first use; or why it cannot be (the same reason every time).
    pub fn backing(&mut self, kind: BackingKind) -> Result<Arc<Backing>, Unavailable> {
        if let Some(b) = self.backings.get(&kind) {
            return b.clone();
        }
        let b = self.setup(kind).map(Arc::new);
        self.backings.insert(kind, b.clone());
        b
    }

    fn need_root(what: &'static str) -> Result<(), Unavailable> {
        if sys::geteuid() != 0 {
            return Err(Unavailable::NotRoot { what });
        }
        Ok(())
    }

    fn reserve_hugepages(&mut self) -> Result<(), Unavailable> {
        if let Some(r) = &self.hugepages {
            return r.clone();
        }
        let r = (|| {
            Self::need_root("reserving huge pages")?;
            let want = self.hugepages_wanted;
            let free = self
                .sandbox
                .lock()
                .expect("sandbox")
                .reserve_hugepages(want)?;
            if free < want {
                return Err(Unavailable::HugePages { want, free });
            }
            Ok(())
        })();
        self.hugepages = Some(r.clone());
        r
    }

    fn setup(&mut self, kind: BackingKind) -> Result<Backing, Unavailable> {
        let mut b = Backing {
            kind,
            mount: None,
            loop_dev: None,
            chunks: vec![],
        };
        match kind {
            BackingKind::Ext4 | BackingKind::Xfs | BackingKind::Btrfs => {
                Self::need_root("a loop-mounted filesystem")?;
                if !Path::new("/dev/loop-control").exists() {
                    return Err(Unavailable::NoLoopDevices);
                }
                // Sizes: the smallest each mkfs accepts with its defaults (xfs needs 300 MiB);
                // the images are sparse, so they cost only what is written.
                let (mib, mkfs, package): (u64, &[&str], &str) = match kind {
                    BackingKind::Ext4 => {
                        (64, &["mkfs.ext4", "-q", "-F", "-b", "4096"], "e2fsprogs")
                    }
                    BackingKind::Xfs => (320, &["mkfs.xfs", "-q", "-f"], "xfsprogs"),
                    _ => (256, &["mkfs.btrfs", "-q", "-f"], "btrfs-progs"),
                };
                // Looked for before anything is made, so the reason names the package to install.
                for (tool, package) in [(mkfs[0], package), ("losetup", "mount")] {
                    if !crate::sandbox::on_path(tool) {
                        return Err(Unavailable::ToolMissing { tool, package });
                    }
                }
                let mut sb = self.sandbox.lock().expect("sandbox");
                let img = sb.make_image(kind.name(), mib, mkfs)?;
                let dev = sb.attach_loop(&img)?;
                let mnt = sb.mount(&dev, &format!("mnt-{}", kind.name()), kind.name(), "")?;
                drop(sb);
                let fd = File::open(&mnt).map_err(|e| open_err(&mnt, e))?;
                if kind == BackingKind::Btrfs {
                    use std::os::fd::AsRawFd;
                    b.chunks = sys::btrfs_chunks(fd.as_raw_fd())
                        .map_err(|e| Unavailable::io("reading the btrfs chunk tree", e))?;
                }
                b.loop_dev = Some(dev);
                b.mount = Some((mnt, fd));
            }
            BackingKind::Tmpfs => {
                Self::need_root("mounting a tmpfs")?;
                let mnt = self.sandbox.lock().expect("sandbox").mount(
                    "pinlab-tmpfs",
                    "mnt-tmpfs",
                    "tmpfs",
                    "size=256m,mode=0700",
                )?;
                let fd = File::open(&mnt).map_err(|e| open_err(&mnt, e))?;
                b.mount = Some((mnt, fd));
            }
            BackingKind::Hugetlbfs => {
                self.reserve_hugepages()?;
                let mnt = self.sandbox.lock().expect("sandbox").mount(
                    "pinlab-hugetlbfs",
                    "mnt-hugetlbfs",
                    "hugetlbfs",
                    "pagesize=2M,mode=0700",
                )?;
                let fd = File::open(&mnt).map_err(|e| open_err(&mnt, e))?;
                b.mount = Some((mnt, fd));
            }
            BackingKind::MemfdHugetlb => self.reserve_hugepages()?,
            BackingKind::Memfd | BackingKind::Anon => {}
        }
        Ok(b)
    }
}

/// Opening a mount the lab just made failed.
fn open_err(mnt: &Path, e: std::io::Error) -> Unavailable {
    Unavailable::io(format!("cannot open {}", mnt.display()), e)
}

impl Drop for Lab {
    fn drop(&mut self) {
        // Close the backings' mount fds before the sandbox unmounts them (an open fd keeps a mount
        // busy).
        self.backings.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{BackingKind, ALL};
    use pinlab_model::fs::{FsKind, ProbeBacking, FILESYSTEMS};

    /// A filesystem's own backing lowers its scenarios for that same filesystem: the two maps
    /// (`FsRules::probe` in the model, `BackingKind::model_fs` here) agree both ways, so a
    /// scenario probed on its own backing is never re-targeted behind the user's back.
    #[test]
    fn each_filesystem_s_own_backing_maps_back_to_it() {
        let mut made = 0;
        for (i, fs) in FILESYSTEMS.iter().enumerate() {
            let kind = match fs.probe {
                ProbeBacking::Ext4 => BackingKind::Ext4,
                ProbeBacking::Xfs => BackingKind::Xfs,
                ProbeBacking::Btrfs => BackingKind::Btrfs,
                ProbeBacking::Tmpfs => BackingKind::Tmpfs,
                ProbeBacking::Hugetlbfs => BackingKind::Hugetlbfs,
                ProbeBacking::Memfd => BackingKind::Memfd,
                ProbeBacking::Skip(why) => {
                    assert!(!why.is_empty(), "{}: a skip says why", fs.name);
                    continue;
                }
            };
            assert_eq!(kind.model_fs(), FsKind(i as u8), "{}", fs.name);
            made += 1;
        }
        // Every backing but the pin matrix's extra ones (huge memfd, anonymous memory) is some
        // filesystem's own.
        assert_eq!(made, ALL.len() - 2);
    }
}
