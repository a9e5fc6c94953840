/*
 * realistic.pml: a hand-written Promela twin of benches/peers/realistic.litmus (issue 13 §5).
 *
 *   spin -a -o2 realistic.pml            design pin-wait  (pincount + wait)
 *   spin -a -o2 -DLEGACY realistic.pml   design legacy    (get + none)
 *   cc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -c0 -m100000
 *
 * (-o2: SPIN would otherwise hide the variables the model only writes, such as the writeback
 * snapshot, and merge states pinlab tells apart; benches/peers/run does all this.)
 *
 * Three ext4 pages, all on disk (data=0,0,0); two RDMA NICs that pin the whole buffer long-term
 * for write, DMA-write every page once and unpin dirty; an application that stores to each page
 * and fsyncs after each store; two flushers making two background writeback passes each. One
 * Promela process per litmus thread; every atomic step of pinlab's model
 * (crates/model/src/{ops,mm,gup,writeback}.rs) is one d_step here, at the same granularity:
 *
 *   store m[p] = V    one step: fault in (filemap_get_folio + set_pte), write fault
 *                     (->page_mkwrite, folio dirty, PTE writable) when the PTE is read-only, store,
 *                     acknowledge
 *   pin P = ..[0..3]  one step per page: the same write fault, take the reference (FOLL_PIN adds
 *                     1024 under pin-wait, FOLL_GET 1 under legacy); P usable after page 2
 *   dma P[k] = V      one step: the device writes the frame (no PTE, no fault), acknowledge
 *   unpin P dirty     one step for the three pages: folio_mark_dirty (legacy: set_page_dirty_lock,
 *                     without ->page_mkwrite) and drop the reference
 *   writeback f       one background pass; fsync f one integrity pass: a step finds the next page
 *                     by the dirty tag (a clean page costs no step) and submits it
 *                     (folio_mkclean write-protects the PTE, clear dirty, set writeback; under
 *                     pin-wait it waits while folio_maybe_dma_pinned()), the next step of the same
 *                     thread completes it (the block gets the frame's content as it is then) and
 *                     moves the cursor to the next page needing work; the step that finds no more
 *                     work ends the pass. fsync records its durability promise at its first step
 *                     and waits for writeback in flight; a step that would wait is not taken at all
 *                     (pinlab discards it), so its guard says whether it can go on.
 *
 * The state is pinlab's State (crates/model/src/state.rs), field for field where it can change in
 * this scenario, so both tools count the same states: under pin-wait pan stores 2,003,727 states
 * and reports 4,778,274 transitions, pinlab's 4,778,273 + 1 for the initial state (and the same
 * holds, state for state, under legacy on every subset of the threads tried, and for the hang
 * states of a variant where a NIC never unpins):
 *   frames      indexed by frame number, allocated lowest-first in fault order as pinlab does
 *               (nframes is the vector's length): owner page, content, refcount, pincount,
 *               mapcount, flags (dirty, writeback, private, fs-clean), generation, writeback
 *               snapshot and block
 *   page slots  the page cache (page -> frame) and the durable promise of returned fsyncs
 *   blocks      the three data blocks' contents
 *   ptes        frame and writable bit of each page of the mapping
 *   handles     pin result (pending / ok) and released; pinned: (frame, generation) per page
 *   acks        per write, the order in which it was acknowledged, and the counter
 *   promises    the app's fsync in flight: per page, the write it promised is on disk
 *   threads     the process's location is pinlab's pc (and a pin's cursor); cursor, phase and aux
 *               (the frame a pass has under writeback, kept after completion until the op ends,
 *               as pinlab does) are locals
 *
 * How the twin differs from pinlab's model:
 *   - Content is the write id alone: in this scenario a write id determines its value (write 0 is
 *     the initial 0), so pinlab's (value, write) pairs map one to one.
 *   - What cannot change in this scenario is left out rather than kept constant: file sizes, the
 *     mapping's state, the 16 free blocks, page slots 3..7 (MAX_FILE_PAGES is 8), extents and
 *     reservations (the pages are allocated on disk, so ext4's ->page_mkwrite reserves nothing
 *     and there is no ENOSPC), the freeze state, seals, leases, and the flags no design here sets.
 *     A constant adds no state, so the counts stay equal.
 *   - Only the paths this scenario reaches are written out. Where pinlab would take a path the
 *     scenario cannot reach (a dirty page without buffers at writeback: ext4 warns and skips,
 *     fs-integrity; a DMA through a freed frame: no-frame-uaf) the twin asserts instead.
 *   - Properties are asserts, each until its first violation (pan -c0 keeps going, so violating
 *     states are explored as pinlab explores them): mkwrite-contract (a store, DMA write or
 *     folio_mark_dirty of a page the filesystem has clean with no ->page_mkwrite since), durability
 *     (fsync returned but a write acknowledged before it started is not on disk; or a completion
 *     put older data over what a returned fsync promised), fs-integrity, no-frame-uaf. pinlab's
 *     bounded-wait (a thread waits forever) is SPIN's invalid end state: every process ends at an
 *     `end:` label, and nothing else is a valid end state. stable-writes does not apply (ext4 on
 *     a device without integrity), nor do the freeze, ENOSPC and truncate properties.
 *   - Search: pan runs depth-first and stores whole state vectors (exact); pinlab runs
 *     breadth-first and stores 128-bit fingerprints. Partial-order reduction is off (-DNOREDUCE)
 *     so that both explore the same graph; depth figures differ (DFS vs BFS).
 */

#define NP      3       /* pages of f, data blocks, pages of each handle */
#define NONE    255

/* folio flags (pinlab's pg::*) */
#define DIRTY   1
#define WB      2       /* PG_writeback */
#define PRIVATE 4       /* buffers attached by ->page_mkwrite */
#define FSCLEAN 8       /* the filesystem has the page clean, no ->page_mkwrite since */

/* pass phases (writeback.rs) */
#define START   0
#define SCAN    1
#define INFL    2

#ifdef LEGACY
/* get + none: FOLL_GET references; folio_maybe_dma_pinned() cannot tell; nothing waits */
#define R            1
#define PINNED(p)    false
#else
/* pincount + wait: FOLL_PIN adds GUP_PIN_COUNTING_BIAS; writeback waits while maybe pinned */
#define R            1024
#define PINNED(p)    (fref[pcache[p]] >= 1024)
#endif

/* frames, by frame number */
byte  nframes;
byte  fowner[NP] = NONE;   /* page of f this frame caches */
byte  fcont[NP];           /* content: the write that put it there */
short fref[NP];            /* refcount: page cache + PTE + 1 (get) or 1024 (pin) per pin */
byte  fpin[NP];            /* pincount: handles holding the frame */
byte  fmap[NP];            /* mapcount */
byte  fflags[NP];
byte  fgen[NP];            /* bumped at allocation */
byte  fsnap[NP];           /* content at writeback submit */
byte  fwbb[NP] = NONE;     /* block the writeback in flight writes */

/* page slots of f, blocks, PTEs of m */
byte  pcache[NP] = NONE;   /* page cache: frame of page p */
byte  durable[NP] = NONE;  /* newest write a returned fsync promised is on disk */
byte  bcont[NP];           /* block p (page p's extent) */
byte  ptefr[NP] = NONE;
bool  ptew[NP];

/* handles p0, p1 and their pinned pages */
bool  hok[2];              /* the pin has completed (pending until then) */
bool  hrel[2];             /* released */
byte  pinfr[6] = NONE;     /* pinned[h*3+k]: frame, generation */
byte  pingen[6];

/* writes 1..9 in op order: app A B C, dev0 D E F, dev1 G H I; 0 is the initial content */
byte  acks[10];            /* acks[0] stays 0: the initial content is acknowledged first */
byte  next_ack;
byte  promises[NP] = NONE; /* the app's integrity pass */

/* scratch, not part of the state */
hidden byte fr_, p_, w_, k_;

/* The properties, each asserted until its first violation: pinlab too reports each property once
 * (with a shortest counterexample) and goes on exploring. Hidden, so not part of the state; pan
 * prints "assertion violated <property>" once per property and counts them in "errors". */
hidden byte mkwrite_contract = true, durability = true, fs_integrity = true, no_frame_uaf = true;
#define HOLDS(prop, ok)  if :: prop && !(ok) -> prop = false; assert(prop) :: else -> skip fi

#define ACK(w)        next_ack++; acks[w] = next_ack
#define OLDER(a, b)   (acks[a] < acks[b])
#define CACHED(p)     (pcache[p] != NONE)
#define FL(p)         fflags[pcache[p]]
/* what a pass wants at a page: background, dirty and not under writeback; integrity, either */
#define WANT_BG(p)    (CACHED(p) && (FL(p) & DIRTY) && !(FL(p) & WB))
#define WANT_IN(p)    (CACHED(p) && (FL(p) & (DIRTY | WB)))
/* skip_to_work(): the first page from c that the pass wants, NP if none */
#define FIRST(W, c)   (((c) <= 0 && W(0)) -> 0 : (((c) <= 1 && W(1)) -> 1 : (((c) <= 2 && W(2)) -> 2 : NP)))
/* the step would sleep at page p: integrity passes wait for writeback in flight, and under
 * pin-wait the submit waits while the page is maybe DMA-pinned */
#define WAITS_BG(p)   PINNED(p)
#define WAITS_IN(p)   ((FL(p) & WB) || PINNED(p))

/* handle_mm_fault(m, p, write): filemap_get_folio (read in, lowest free frame), set_pte
 * read-only (ext4 has ->page_mkwrite), then the write fault of a read-only PTE:
 * ->page_mkwrite (buffers attached; no reservation, the page has its block), folio dirty, PTE
 * writable. Leaves the frame in fr_. */
inline write_fault(p) {
  if
  :: ptefr[p] == NONE ->
     if
     :: pcache[p] == NONE ->
        fr_ = nframes; nframes++;
        fowner[fr_] = p; fcont[fr_] = bcont[p]; fref[fr_] = 1; fpin[fr_] = 0; fmap[fr_] = 0;
        fflags[fr_] = FSCLEAN; fgen[fr_]++; fsnap[fr_] = 0; fwbb[fr_] = NONE;
        pcache[p] = fr_
     :: else -> skip
     fi;
     fr_ = pcache[p];
     ptefr[p] = fr_; ptew[p] = false; fref[fr_]++; fmap[fr_]++
  :: else -> fr_ = ptefr[p]
  fi;
  if
  :: !ptew[p] ->
     fflags[fr_] = (fflags[fr_] | PRIVATE | DIRTY) & ~FSCLEAN; ptew[p] = true
  :: else -> skip
  fi
}

/* store m[p] = w */
inline store(p, w) {
  write_fault(p);
  HOLDS(mkwrite_contract, !(fflags[fr_] & FSCLEAN));   /* a store through a writable PTE */
  fcont[fr_] = w; ACK(w)
}

/* one page of pin_user_pages(FOLL_WRITE|FOLL_LONGTERM) / get_user_pages() */
inline pin_page(h, k) {
  write_fault(k);
  fref[fr_] = fref[fr_] + R; fpin[fr_]++;
  pinfr[h * NP + k] = fr_; pingen[h * NP + k] = fgen[fr_];
  if
  :: k == NP - 1 -> hok[h] = true
  :: else -> skip
  fi
}

/* dma P[k] = w: no PTE, no fault */
inline dma(h, k, w) {
  fr_ = pinfr[h * NP + k];
  HOLDS(no_frame_uaf, fowner[fr_] != NONE && fgen[fr_] == pingen[h * NP + k]);
  HOLDS(mkwrite_contract, !(fflags[fr_] & FSCLEAN));   /* DMA into a page the fs has clean */
  fcont[fr_] = w; ACK(w)
}

/* unpin P dirty: per page unpin_user_pages_dirty_lock / set_page_dirty_lock + put_page */
inline unpin_dirty(h) {
  k_ = 0;
  do
  :: k_ < NP ->
     fr_ = pinfr[h * NP + k_];
     HOLDS(mkwrite_contract, !(fflags[fr_] & FSCLEAN));  /* dirtied behind the fs */
     HOLDS(fs_integrity, fflags[fr_] & PRIVATE);        /* ext4_dirty_folio WARN */
     fflags[fr_] = fflags[fr_] | DIRTY;
     fpin[fr_]--; fref[fr_] = fref[fr_] - R;
     k_++
  :: else -> break
  od;
  hrel[h] = true
}

/* an integrity pass's first step: what f holds now must be on disk when it returns */
inline record_promises() {
  k_ = 0;
  do
  :: k_ < NP ->
     if
     :: CACHED(k_) -> promises[k_] = fcont[pcache[k_]]
     :: else -> promises[k_] = bcont[k_]
     fi;
     k_++
  :: else -> break
  od
}

/* the integrity pass returns: durability, then the promise stands for later completions */
inline fsync_returns() {
  k_ = 0;
  do
  :: k_ < NP ->
     w_ = promises[k_];
     if
     :: w_ != NONE ->
        promises[k_] = NONE;
        HOLDS(durability, !OLDER(bcont[k_], w_));
        if
        :: durable[k_] == NONE || OLDER(durable[k_], w_) -> durable[k_] = w_
        :: else -> skip
        fi
     :: else -> skip
     fi;
     k_++
  :: else -> break
  od
}

/* submit: folio_clear_dirty_for_io (folio_mkclean write-protects the PTE), ext4_writepages */
inline submit(p) {
  fr_ = pcache[p];
  if
  :: ptefr[p] == fr_ -> ptew[p] = false
  :: else -> skip
  fi;
  fflags[fr_] = (fflags[fr_] & ~DIRTY) | FSCLEAN;
  HOLDS(fs_integrity, fflags[fr_] & PRIVATE);   /* "does not have buffers attached" */
  fflags[fr_] = fflags[fr_] | WB; fwbb[fr_] = p; fsnap[fr_] = fcont[fr_]
}

/* completion: the block gets the frame's content as it is now; folio_end_writeback */
inline complete(p) {
  fr_ = aux;
  bcont[fwbb[fr_]] = fcont[fr_];
  fflags[fr_] = fflags[fr_] & ~WB; fwbb[fr_] = NONE;
  if
  :: durable[p] != NONE -> HOLDS(durability, !OLDER(bcont[p], durable[p]))
  :: else -> skip
  fi
}

/* One writeback pass (W: WANT_BG or WANT_IN, S: WAITS_BG or WAITS_IN, INTEGRITY: 0 or 1): a
 * submit step (finding the page by the dirty tag), a completion step (then the cursor moves to
 * the next page wanted), and the step that ends the pass (either kind, when there is no more
 * work); ending resets cursor, phase and aux as pinlab's next_op does. */
#define PASS(W, S, INTEGRITY) \
  do \
  :: d_step { phase != INFL && FIRST(W, cursor) < NP && !S(FIRST(W, cursor)) -> \
       p_ = FIRST(W, cursor); \
       if :: INTEGRITY && phase == START -> record_promises() :: else -> skip fi; \
       cursor = p_; submit(p_); phase = INFL; aux = pcache[p_] } \
  :: d_step { phase == INFL && FIRST(W, cursor + 1) < NP -> \
       complete(cursor); cursor = FIRST(W, cursor + 1); phase = SCAN } \
  :: d_step { phase != INFL && FIRST(W, cursor) == NP -> \
       if :: INTEGRITY && phase == START -> record_promises() :: else -> skip fi; \
       if :: INTEGRITY -> fsync_returns() :: else -> skip fi; \
       cursor = 0; phase = START; aux = 0 }; break \
  :: d_step { phase == INFL && FIRST(W, cursor + 1) == NP -> \
       complete(cursor); \
       if :: INTEGRITY -> fsync_returns() :: else -> skip fi; \
       cursor = 0; phase = START; aux = 0 }; break \
  od

/* A d_step may not be the target of a break: atomic { d_step } is still one transition. */
#define STEP(x) atomic { d_step { x } }

active proctype app() {
  byte cursor, phase, aux;
  STEP(store(0, 1));
  PASS(WANT_IN, WAITS_IN, 1);
  STEP(store(1, 2));
  PASS(WANT_IN, WAITS_IN, 1);
  STEP(store(2, 3));
  PASS(WANT_IN, WAITS_IN, 1);
end: false
}

active proctype dev0() {
  STEP(pin_page(0, 0));
  STEP(pin_page(0, 1));
  STEP(pin_page(0, 2));
  STEP(hok[0] -> dma(0, 0, 4));
  STEP(hok[0] -> dma(0, 1, 5));
  STEP(hok[0] -> dma(0, 2, 6));
  STEP(unpin_dirty(0));
end: false
}

active proctype dev1() {
  STEP(pin_page(1, 0));
  STEP(pin_page(1, 1));
  STEP(pin_page(1, 2));
  STEP(hok[1] -> dma(1, 0, 7));
  STEP(hok[1] -> dma(1, 1, 8));
  STEP(hok[1] -> dma(1, 2, 9));
  STEP(unpin_dirty(1));
end: false
}

active proctype flusher0() {
  byte cursor, phase, aux;
  PASS(WANT_BG, WAITS_BG, 0);
  PASS(WANT_BG, WAITS_BG, 0);
end: false
}

active proctype flusher1() {
  byte cursor, phase, aux;
  PASS(WANT_BG, WAITS_BG, 0);
  PASS(WANT_BG, WAITS_BG, 0);
end: false
}
