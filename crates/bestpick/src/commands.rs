//! One function per command.

use crate::cli::{Cli, Command, TokenCommand, UserCommand};
use anyhow::{bail, Context};
use bestpick_app::accounts::{self, AccountError};
use bestpick_app::{demo, export, import, Site};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve { listen, data } => serve(&data.data, &listen).await,
        Command::Demo { data } => load_demo(&data.data).await,
        Command::User { command } => match command {
            UserCommand::Add {
                name,
                role,
                display_name,
                data,
            } => {
                let site = Site::open(&data.data).await?;
                let password = read_password(&format!("Password for {name}"))?;
                let user = accounts::add_user(
                    &site,
                    &name,
                    display_name.as_deref().unwrap_or(""),
                    role.into(),
                    &password,
                )
                .await
                .map_err(account_error)?;
                println!("Added {} ({}).", user.username, user.role.as_str());
                Ok(ExitCode::SUCCESS)
            }
            UserCommand::List { data } => {
                let site = Site::open(&data.data).await?;
                for u in site.store.users().await? {
                    println!(
                        "{:<24} {:<8} {}",
                        u.username,
                        u.role.as_str(),
                        u.display_name
                    );
                }
                Ok(ExitCode::SUCCESS)
            }
            UserCommand::Passwd { name, data } => {
                let site = Site::open(&data.data).await?;
                let password = read_password(&format!("New password for {name}"))?;
                accounts::set_password(&site, &name, &password)
                    .await
                    .map_err(account_error)?;
                println!("Password changed for {name}; their sessions were ended.");
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Import { paths, data } => import_files(&data.data, &paths).await,
        Command::Export { dir, data } => {
            let site = Site::open(&data.data).await?;
            let n = export::export_all(&site, &dir).await?;
            println!("Exported {n} posts to {}.", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Token {
            command: TokenCommand::Create { name, user, data },
        } => {
            let site = Site::open(&data.data).await?;
            let username = match user {
                Some(u) => u,
                None => first_admin(&site).await?.username,
            };
            let token = accounts::create_token(&site, &name, &username)
                .await
                .map_err(account_error)?;
            println!("{token}");
            eprintln!("This token acts as {username}. It is shown only once: keep it safe.");
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn serve(data: &Path, listen: &str) -> anyhow::Result<ExitCode> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .init();
    let site = Site::open(data).await?;
    let needs_setup = !site.store.has_admin().await?;
    let app = bestpick_web::Application::build(site, listen).await?;
    let url = format!("http://{}", app.local_addr());
    println!("bestpick is serving {url} (data in {})", data.display());
    if needs_setup {
        println!("This site has no admin yet: open {url}/setup to create one.");
    }
    app.run_until(bestpick_web::shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

async fn load_demo(data: &Path) -> anyhow::Result<ExitCode> {
    let site = Site::open(data).await?;
    let report = demo::load(&site).await?;
    println!(
        "Loaded {} demo posts into {}.",
        report.posts,
        data.display()
    );
    if let Some((username, password)) = report.admin {
        println!("Admin account created: {username} / {password}");
        println!(
            "The password is shown only once; change it with `bestpick user passwd {username}`."
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn first_admin(site: &Site) -> anyhow::Result<bestpick_store::User> {
    site.store.first_admin().await?.context(
        "the site has no admin yet: run `bestpick user add NAME --role admin` or `bestpick demo` first",
    )
}

async fn import_files(data: &Path, paths: &[PathBuf]) -> anyhow::Result<ExitCode> {
    let site = Site::open(data).await?;
    let admin = first_admin(&site).await?;
    let files = import::collect_files(paths)?;
    let bar = if files.len() > 10 && std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(files.len() as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
                .expect("a valid progress template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    for file in &files {
        bar.set_message(file.display().to_string());
        match import::import_file(&site, file, &admin).await {
            Ok(done) if done.created => created += 1,
            Ok(_) => updated += 1,
            Err(errors) => {
                failed += 1;
                for e in errors {
                    let place = match e.line {
                        Some(line) => format!("{}:{line}", file.display()),
                        None => file.display().to_string(),
                    };
                    let field = e.field.map(|f| format!("{f}: ")).unwrap_or_default();
                    bar.suspend(|| eprintln!("{place}: {field}{}", e.message));
                }
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "Imported {} files ({created} created, {updated} updated), {failed} failed.",
        created + updated
    );
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// A password from the terminal (asked twice) or one line of stdin.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: "))?;
        let again = rpassword::prompt_password("Again: ")?;
        if first != again {
            bail!("the two passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("could not read the password from stdin")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

fn account_error(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Invalid(errors) => {
            let lines: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("{}", lines.join("\n"))
        }
        other => other.into(),
    }
}
