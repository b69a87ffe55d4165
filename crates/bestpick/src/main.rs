//! The `bestpick` command: parses arguments and calls the site's operations.
//! The work itself lives in `bestpick-app` and `bestpick-web`.

mod cli;
mod commands;
mod spam;

use clap::Parser;
use std::process::ExitCode;

/// mimalloc's per-thread free lists: a cached page is answered with a few
/// dozen small allocations (headers, futures, buffers), and with the
/// system allocator they took a tenth of the server's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
