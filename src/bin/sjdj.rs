//! `sjdj`: the client CLI. See `sjdj --help`.
use clap::Parser;

fn main() {
    let cli = sjdj::cli::Cli::parse();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Err(e) = rt.block_on(sjdj::cli::run(cli)) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
