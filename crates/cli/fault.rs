//! Crash points for the tests. A debug build run with `SCOPECHECK_TEST_CRASH=<point>`
//! kills itself at that point, as `kill -9` or the OOM killer would (no destructors, no
//! buffers flushed), so a test can show that an interrupted write leaves the previous
//! state intact. Release builds have no crash points: nothing a user or an agent sets
//! can make an installed scopecheck die mid-write.

/// Dies here if the tests asked for a crash at `name`.
pub fn point(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var_os("SCOPECHECK_TEST_CRASH").is_some_and(|v| v == name) {
        #[cfg(unix)]
        // SAFETY: sends SIGKILL to this process; nothing runs after it is delivered.
        unsafe {
            libc::kill(libc::getpid(), libc::SIGKILL);
        }
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}
