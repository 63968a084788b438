//! `cargo xtask`: builds and tests Baton with nothing installed by hand.
//!
//! - `cargo xtask build [--release]`: the browser bundle (wasm + bindings),
//!   CSS and public assets into `target/site`, then the `baton` server.
//! - `cargo xtask serve [BATON ARGS...]`: a release build, then runs Baton.
//! - `cargo xtask test`: installs what a fresh machine lacks (the wasm
//!   target, Chromium, the browser tests' node packages), builds, and runs
//!   every test: unit, storage contract and HTTP tests on SQLite and
//!   PostgreSQL, then the browser tests.
//! - `cargo xtask bench`: the benchmarks, in release mode (not part of `test`),
//!   then the fuzzer for 30 s per target.
//! - `cargo xtask seed [--database URL] [--orchestrations N] [--automations N]
//!   [--runs N]`: fills an empty database with a large catalog and its
//!   history (1,000 orchestrations, 10,000 automations and 10 million runs
//!   by default), for benchmarks.
//! - `cargo xtask bench-pages [--database URL]`: a release build, then how
//!   fast it renders the dashboard and orchestration pages of a seeded
//!   database, its memory, and the browser bundle's size.
//! - `cargo xtask fuzz [SECONDS] [TARGET...]`: fuzzes every parser of
//!   outside input (pings, webhooks, signatures, CSV and catalog imports)
//!   for SECONDS each (10), and prints how many inputs each ran.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const OUTPUT_NAME: &str = "baton";

fn main() -> Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let root = workspace_root()?;
    std::env::set_current_dir(&root)?;
    match task.as_str() {
        "build" => build(&Profile::from_args(&rest)),
        "serve" => serve(&rest),
        "test" => test(&rest),
        "bench" => bench(),
        "seed" => seed(&rest),
        "bench-pages" => bench_pages(&rest),
        "fuzz" => example("fuzz", &rest),
        _ => {
            eprintln!(
                "usage: cargo xtask <task>\n\n\
                 tasks:\n  \
                 build [--release]   build the site and the server\n  \
                 serve [ARGS...]     release build, then run `baton ARGS`\n  \
                 test                install what is missing, build, run every test\n  \
                 bench               run the benchmarks (figures for BENCHMARKS.md)\n  \
                 seed [ARGS...]      fill an empty database for benchmarks (see examples/seed.rs)\n  \
                 bench-pages [ARGS...] page render times on a seeded database\n  \
                 fuzz [SECONDS] [TARGET...] fuzz the parsers of outside input (see examples/fuzz.rs)"
            );
            bail!("unknown task {task:?}")
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Profile {
    Debug,
    Release,
}

impl Profile {
    fn from_args(args: &[String]) -> Self {
        if args.iter().any(|a| a == "--release") {
            Profile::Release
        } else {
            Profile::Debug
        }
    }
}

fn workspace_root() -> Result<PathBuf> {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .context("xtask is not inside the workspace")
}

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

fn run(cmd: &mut Command) -> Result<()> {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed with {status}");
    }
    Ok(())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// rustup does not add targets listed in rust-toolchain.toml by itself on
/// machines with `RUSTUP_AUTO_INSTALL=0`: add it when missing.
fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output();
    match installed {
        Ok(out)
            if String::from_utf8_lossy(&out.stdout)
                .lines()
                .any(|l| l.trim() == WASM_TARGET) =>
        {
            Ok(())
        }
        Ok(_) => run(Command::new("rustup").args(["target", "add", WASM_TARGET])),
        Err(_) => {
            eprintln!("xtask: rustup not found; assuming the {WASM_TARGET} target is installed");
            Ok(())
        }
    }
}

/// Builds the browser bundle and copies the site's static files.
fn build_site(profile: Profile) -> Result<()> {
    ensure_wasm_target()?;
    let cargo_profile = match profile {
        Profile::Debug => "dev",
        Profile::Release => "wasm-release",
    };
    run(cargo().args([
        "build",
        "--package",
        "app",
        "--lib",
        "--target",
        WASM_TARGET,
        "--no-default-features",
        "--features",
        "hydrate",
        "--profile",
        cargo_profile,
    ]))?;
    let out_dir = match profile {
        Profile::Debug => "debug",
        Profile::Release => "wasm-release",
    };
    let wasm = Path::new("target")
        .join(WASM_TARGET)
        .join(out_dir)
        .join("app.wasm");
    let site = Path::new("target/site");
    let pkg = site.join("pkg");
    std::fs::create_dir_all(&pkg)?;
    eprintln!("xtask: binding {} into {}", wasm.display(), pkg.display());
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .out_name(OUTPUT_NAME)
        .debug(profile == Profile::Debug)
        .typescript(false)
        .generate(&pkg)
        .context("wasm-bindgen failed")?;
    // Leptos' hydration script asks for `<name>.wasm`, as cargo-leptos names it.
    std::fs::rename(
        pkg.join(format!("{OUTPUT_NAME}_bg.wasm")),
        pkg.join(format!("{OUTPUT_NAME}.wasm")),
    )
    .context("cannot rename the wasm bundle")?;
    std::fs::copy("style/main.css", pkg.join(format!("{OUTPUT_NAME}.css")))
        .context("cannot copy style/main.css")?;
    for asset in ["wasm", "js", "css"] {
        gzipped(&pkg.join(format!("{OUTPUT_NAME}.{asset}")))?;
    }
    copy_dir(Path::new("public"), site)?;
    Ok(())
}

/// Writes `file.gz` beside `file`, which Baton serves to browsers that
/// take gzip instead of compressing the bundle on every request.
fn gzipped(file: &Path) -> Result<()> {
    use std::io::Write as _;
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let mut name = file.as_os_str().to_owned();
    name.push(".gz");
    let out = std::fs::File::create(&name)?;
    let mut encoder =
        flate2::write::GzEncoder::new(std::io::BufWriter::new(out), flate2::Compression::default());
    encoder.write_all(&bytes)?;
    encoder.finish()?.flush()?;
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in
        std::fs::read_dir(from).with_context(|| format!("cannot read {}", from.display()))?
    {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn build_server(profile: Profile) -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["build", "--package", "baton", "--bin", "baton"]);
    if profile == Profile::Release {
        cmd.arg("--release");
    }
    run(&mut cmd)
}

fn build(profile: &Profile) -> Result<()> {
    build_site(*profile)?;
    build_server(*profile)
}

fn serve(args: &[String]) -> Result<()> {
    build(&Profile::Release)?;
    let mut cmd = Command::new("target/release/baton");
    cmd.args(args);
    eprintln!("xtask: starting Baton (Ctrl-C stops it)");
    let status = cmd.status().context("cannot start target/release/baton")?;
    if !status.success() {
        bail!("baton exited with {status}");
    }
    Ok(())
}

/// Debian's Chromium: the browser tests drive it (a browser download by
/// Playwright is not possible everywhere).
fn ensure_chromium() -> Result<PathBuf> {
    let chromium = PathBuf::from(
        std::env::var("BATON_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned()),
    );
    if chromium.exists() {
        return Ok(chromium);
    }
    if !is_root() {
        bail!(
            "the browser tests need Chromium at {}: install it with `sudo apt-get install chromium` \
             (or point BATON_CHROMIUM at a Chromium binary)",
            chromium.display()
        );
    }
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-qq", "chromium"])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    Ok(chromium)
}

/// The browser tests' node packages, from the lockfile.
fn ensure_node_packages() -> Result<()> {
    if Command::new("npm").arg("--version").output().is_err() {
        bail!(
            "the browser tests need Node.js 20+ and npm: install them with `sudo apt-get install nodejs npm`"
        );
    }
    let marker = Path::new("end2end/node_modules/.package-lock.json");
    let lock = Path::new("end2end/package-lock.json");
    let fresh = match (marker.metadata(), lock.metadata()) {
        (Ok(m), Ok(l)) => m.modified()? >= l.modified()?,
        _ => false,
    };
    if !fresh {
        run(Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir("end2end"))?;
    }
    Ok(())
}

fn test(args: &[String]) -> Result<()> {
    let chromium = ensure_chromium()?;
    ensure_node_packages()?;
    build(&Profile::Debug)?;
    let mut cargo_test = cargo();
    cargo_test.args([
        "test",
        "--package",
        "baton",
        "--package",
        "app",
        "--package",
        "xtask",
    ]);
    cargo_test.args(args);
    run(&mut cargo_test)?;
    run(Command::new("npx")
        .args(["playwright", "test"])
        .current_dir("end2end")
        .env("BATON_CHROMIUM", &chromium))
}

fn bench() -> Result<()> {
    run(cargo().args(["bench", "--package", "baton", "--bench", "figures"]))?;
    example("fuzz", &["30".to_owned()])
}

fn seed(args: &[String]) -> Result<()> {
    example("seed", args)
}

/// Runs one of the server's examples in release mode.
fn example(name: &str, args: &[String]) -> Result<()> {
    run(cargo()
        .args([
            "run",
            "--release",
            "--package",
            "baton",
            "--example",
            name,
            "--",
        ])
        .args(args))
}

fn bench_pages(args: &[String]) -> Result<()> {
    build(&Profile::Release)?;
    run(cargo()
        .args([
            "run",
            "--release",
            "--package",
            "baton",
            "--example",
            "pages",
            "--",
        ])
        .args(args))
}
