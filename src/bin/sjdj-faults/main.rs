//! `sjdj-faults`: the fault campaign (`campaign.rs`) for as many rounds as asked. Each round
//! kills the national node or the province with SIGKILL at a random moment of the whole flow,
//! the sweep, a backup or the sync, and checks what must hold after it; the run fails at the
//! first thing that does not. `--json` prints the report as one JSON object.
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

mod campaign;
mod procs;

#[derive(Parser)]
#[command(
    name = "sjdj-faults",
    about = "kill -9 campaign against a national node and a province"
)]
struct Args {
    /// Rounds, one kill each.
    #[arg(long, default_value_t = 100)]
    rounds: usize,
    /// Seed of the random kill points and targets [default: from the clock].
    #[arg(long)]
    seed: Option<u64>,
    /// Clients driving flows on the province.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Longest time before a round's kill, in milliseconds.
    #[arg(long, default_value_t = 1500)]
    max_round_ms: u64,
    /// The sjdj-node binary [default: sjdj-node next to this executable].
    #[arg(long)]
    node_bin: Option<PathBuf>,
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let seed = args.seed.unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
    });
    let node_bin = match args.node_bin {
        Some(b) => b,
        None => match std::env::current_exe() {
            Ok(exe) => exe.with_file_name("sjdj-node"),
            Err(e) => {
                eprintln!("sjdj-faults: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    let o = campaign::Options {
        rounds: args.rounds,
        seed,
        node_bin,
        writers: args.writers,
        max_round_ms: args.max_round_ms,
    };
    eprintln!("sjdj-faults: {} rounds, seed {seed}", o.rounds);
    let rt = tokio::runtime::Runtime::new().expect("start the tokio runtime");
    match rt.block_on(campaign::run_campaign(&o)) {
        Ok(r) if args.json => {
            println!(
                "{}",
                serde_json::to_string(&r).expect("the report serialises")
            );
            ExitCode::SUCCESS
        }
        Ok(r) => {
            println!(
                "{} kills ({:?}) during {:?} in {:.0} s: {} acknowledged writes all found again, \
                 {} audits passed, {} checkpoints consistent with the last seen, backups {} whole \
                 (verified) and {} cut (never renamed into place), {} codes each minted once and \
                 in the national book",
                r.rounds,
                r.kills,
                r.during,
                r.seconds,
                r.acknowledged,
                r.audits,
                r.checkpoints,
                r.backups_whole,
                r.backups_cut,
                r.codes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("sjdj-faults (seed {seed}): {e:#}");
            ExitCode::FAILURE
        }
    }
}
