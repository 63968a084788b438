//! The C allocator's settings for a long-running server.
//!
//! glibc's `malloc` raises the size above which it maps memory straight
//! from the system each time a mapped block is freed (up to 32 MiB), and
//! the free space it keeps at the top of an arena with it. That suits short
//! programs; in a server it keeps what one large page built (a month of
//! rollups for the whole catalog, say) resident long after it is freed,
//! spread over per-thread arenas that are seldom trimmed. Baton therefore
//! fixes both thresholds at startup, unless the matching `MALLOC_*`
//! environment variable already sets one (glibc reads those itself, and an
//! operator's choice wins; `MALLOC_ARENA_MAX=2` saves some more memory).
//!
//! Measured in BENCHMARKS.md (the pages at 10 million runs, and the ping
//! rate with these settings).

/// Blocks from this size on are mapped, and unmapped when freed.
const MMAP_THRESHOLD: i32 = 256 * 1024;
/// Free memory above this at the top of an arena goes back to the system.
const TRIM_THRESHOLD: i32 = 1024 * 1024;

/// Applies the settings above, except those set from the environment.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    // From glibc's malloc.h.
    const M_TRIM_THRESHOLD: i32 = -1;
    const M_MMAP_THRESHOLD: i32 = -3;
    #[allow(unsafe_code)]
    unsafe extern "C" {
        // int mallopt(int param, int value);
        safe fn mallopt(param: i32, value: i32) -> i32;
    }
    for (param, variable, value) in [
        (M_MMAP_THRESHOLD, "MALLOC_MMAP_THRESHOLD_", MMAP_THRESHOLD),
        (M_TRIM_THRESHOLD, "MALLOC_TRIM_THRESHOLD_", TRIM_THRESHOLD),
    ] {
        if std::env::var_os(variable).is_none() && mallopt(param, value) != 1 {
            tracing::warn!(variable, value, "the allocator refused a setting");
        }
    }
}

/// Other allocators keep their own settings.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
