use super::{PinRef, Tracking};

pub static PUT_USER_PAGE: Tracking = Tracking {
    name: "put-user-page",
    summary:
        "the same references, released through put_user_page*() so that tracking can be added later",
    seed: "seed 000 (Hubbard's \"mm: introduce put_user_page*(), placeholder versions\", Mar 2019)",
    pin_ref: PinRef::Plain,
    pin_fn: "get_user_pages",
    unpin_fn: "put_user_page",
    unpin_dirty_fn: "put_user_pages_dirty_lock",
};
