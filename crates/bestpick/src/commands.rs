//! One function per command. Each opens the site, calls an operation of
//! `bestpick-app` (or `bestpick-web` for `serve`) and reports what it did:
//! results on stdout, problems on stderr.

use crate::cli::{
    Cli, Command, CommentsCommand, DataArg, DbCommand, MailArgs, NewsletterCommand, RoleArg,
    SectionCommand, SettingsCommand, SpamCommand, TokenCommand, UserCommand,
};
use crate::spam;
use anyhow::{bail, Context};
use bestpick_app::accounts::{self, AccountError};
use bestpick_app::{demo, export, import, moderation, sections, settings, Site};
use bestpick_core::document::DocumentError;
use bestpick_store::{Clock, CopyProgress, Location, Store};
use indicatif::{ProgressBar, ProgressStyle};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Above this many files, `import` shows a progress bar (on a terminal).
const PROGRESS_THRESHOLD: usize = 10;

const NO_ADMIN: &str =
    "the site has no admin yet: run `bestpick user add NAME --role admin` or `bestpick demo` first";

impl DataArg {
    /// Opens the site in the data folder, on the database `--database`
    /// names (SQLite in the folder by default).
    pub async fn open(&self) -> anyhow::Result<Site> {
        Site::open_at(&self.data, &self.location()?, Clock::system()).await
    }

    fn location(&self) -> anyhow::Result<Location> {
        Ok(match &self.database {
            Some(url) => Location::parse(url).map_err(|e| anyhow::anyhow!("--database: {e}"))?,
            None => Location::in_folder(&self.data),
        })
    }

    /// Where the data is, for messages.
    fn describe(&self) -> String {
        match &self.database {
            Some(url) => match Location::parse(url) {
                Ok(location) => format!("media in {}, database {location}", self.data.display()),
                Err(_) => self.data.display().to_string(),
            },
            None => format!("data in {}", self.data.display()),
        }
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => {
            serve(
                &args.data,
                &args.listen,
                args.base_url.clone(),
                &args.options()?,
            )
            .await?
        }
        Command::Demo { data } => load_demo(&data).await?,
        Command::User { command } => match command {
            UserCommand::Add {
                name,
                role,
                display_name,
                data,
            } => user_add(&data, &name, role, display_name.as_deref()).await?,
            UserCommand::List { data } => user_list(&data).await?,
            UserCommand::Passwd { name, data } => user_passwd(&data, &name).await?,
            UserCommand::Remove {
                name,
                posts_to,
                data,
            } => user_remove(&data, &name, posts_to.as_deref()).await?,
        },
        Command::Import {
            paths,
            create_sections,
            data,
        } => return import_files(&data, &paths, create_sections).await,
        Command::Export { dir, data } => export_posts(&data, &dir).await?,
        Command::Related { data } => relate_stale(&data).await?,
        Command::Token { command } => match command {
            TokenCommand::Create {
                name,
                user,
                expires,
                data,
            } => token_create(&data, &name, user.as_deref(), expires.as_deref()).await?,
            TokenCommand::List { data } => token_list(&data).await?,
            TokenCommand::Revoke { token, data } => token_revoke(&data, &token).await?,
        },
        Command::Section { command } => match command {
            SectionCommand::Add {
                name,
                slug,
                description,
                data,
            } => section_add(&data, &name, &slug, &description).await?,
            SectionCommand::List { data } => section_list(&data).await?,
            SectionCommand::Rename {
                slug,
                name,
                description,
                data,
            } => section_rename(&data, &slug, &name, description.as_deref()).await?,
            SectionCommand::Retire { slug, into, data } => {
                section_retire(&data, &slug, &into).await?
            }
        },
        Command::Settings { command } => match command {
            SettingsCommand::List { data } => settings_list(&data).await?,
            SettingsCommand::Set { key, value, data } => settings_set(&data, &key, &value).await?,
        },
        Command::Newsletter { command } => match command {
            NewsletterCommand::SendTest {
                address,
                base_url,
                mail,
                data,
            } => newsletter_send_test(&data, &mail, base_url, &address).await?,
        },
        Command::Comments { command } => match command {
            CommentsCommand::Export { email, data } => comments_export(&data, &email).await?,
            CommentsCommand::Erase { email, data } => comments_erase(&data, &email).await?,
        },
        Command::Spam { command } => match command {
            SpamCommand::Train { files, out } => spam::train(&files, &out)?,
            SpamCommand::Eval {
                file,
                model,
                hold,
                spam: spam_at,
            } => spam::eval(&file, model.as_deref(), hold, spam_at)?,
        },
        Command::Db { command } => match command {
            DbCommand::Copy { from, to, resume } => {
                let from = Location::parse(&from).map_err(|e| anyhow::anyhow!("--from: {e}"))?;
                let to = Location::parse(&to).map_err(|e| anyhow::anyhow!("--to: {e}"))?;
                copy_site(&from, &to, resume).await?
            }
        },
        Command::Backup { out, data } => {
            if out.exists() {
                bail!("{} exists: a backup never overwrites a file", out.display());
            }
            copy_site(&data.location()?, &Location::Sqlite(out), false).await?
        }
        Command::Restore {
            input,
            resume,
            data,
        } => {
            if !input.is_file() {
                bail!("{} is not a backup file", input.display());
            }
            copy_site(&Location::Sqlite(input), &data.location()?, resume).await?
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Renders the newsletter of the newest pick for `address` and sends it
/// now, saying what the server answered.
async fn newsletter_send_test(
    data: &DataArg,
    mail: &MailArgs,
    base_url: Option<bestpick_core::SiteUrl>,
    address: &str,
) -> anyhow::Result<()> {
    let settings = mail.settings()?.ok_or_else(|| {
        anyhow::anyhow!("give the mail server with --smtp-url (or BESTPICK_SMTP_URL)")
    })?;
    let address = bestpick_core::comment::mail_address(address).map_err(anyhow::Error::msg)?;
    let mut site = data.open().await?;
    site.base_url = base_url;
    needs_address(&site).await?;
    let options = bestpick_web::Options {
        mail: Some(settings.clone()),
        ..Default::default()
    };
    let state = bestpick_web::AppState::new(site, options)?;
    let (title, message) = bestpick_web::test_newsletter(&state, &address).await?;
    bestpick_app::mail::Mailer::new(settings)?
        .send(&message)
        .await
        .map_err(|e| anyhow::anyhow!("the mail server refused it: {e}"))?;
    println!("sent the newsletter of \"{title}\" to {address}");
    Ok(())
}

/// Mail's links (unsubscribe above all) must lead to the site: mail is
/// not sent from a site that does not know its address.
async fn needs_address(site: &Site) -> anyhow::Result<()> {
    if bestpick_app::settings::site_url(site).await?.is_none() {
        anyhow::bail!(
            "mail needs the site's public address for its links: give --base-url https://your.site \
             (or `bestpick settings set site_url https://your.site`)"
        );
    }
    Ok(())
}

async fn serve(
    data: &DataArg,
    listen: &str,
    base_url: Option<bestpick_core::SiteUrl>,
    options: &bestpick_web::Options,
) -> anyhow::Result<()> {
    // Logs go to stderr, so stdout carries only the address (tests and
    // scripts read it from there).
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_writer(std::io::stderr)
        .init();
    let mut site = data.open().await?;
    site.base_url = base_url;
    if options.mail.is_some() {
        needs_address(&site).await?;
    }
    if bestpick_app::settings::site_url(&site).await?.is_none() {
        tracing::warn!(
            "no public address: give --base-url https://your.site (or `bestpick settings set site_url ...`); \
             until then feeds, the sitemap and shared links use the request's address only when it is \
             this machine's (localhost), and http://localhost otherwise"
        );
    }
    let needs_setup = !site.store.has_admin().await?;
    tokio::spawn(maintain_hourly(site.clone()));
    let app = bestpick_web::Application::build(site, listen, options).await?;
    let url = format!("http://{}", app.local_addr());
    println!("bestpick is serving {url} ({})", data.describe());
    if needs_setup {
        println!("This site has no admin yet: open {url}/setup to create one.");
    }
    app.run_until(bestpick_web::shutdown_signal()).await
}

/// Deletes old spam and truncates old IP addresses, now and every hour, on
/// one instance of the site at a time.
async fn maintain_hourly(site: Site) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match moderation::maintain_once(&site).await {
            Ok(Some(m)) if m.spam_deleted > 0 || m.addresses_truncated > 0 => tracing::info!(
                spam_deleted = m.spam_deleted,
                addresses_truncated = m.addresses_truncated,
                "comment maintenance"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!("comment maintenance failed: {e:#}"),
        }
        match site.store.prune_mail().await {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "old mail deleted from the queue"),
            Ok(_) => {}
            Err(e) => tracing::error!("mail maintenance failed: {e:#}"),
        }
        match site.store.prune_deliveries().await {
            Ok(n) if n > 0 => tracing::info!(deleted = n, "old deliveries deleted"),
            Ok(_) => {}
            Err(e) => tracing::error!("federation maintenance failed: {e:#}"),
        }
    }
}

/// Sections are changed on the first admin's behalf, as imports are.
async fn section_add(
    data: &DataArg,
    name: &str,
    slug: &str,
    description: &str,
) -> anyhow::Result<()> {
    let site = data.open().await?;
    let admin = first_admin(&site).await?;
    let section = sections::create(&site, &admin, slug, name, description).await?;
    println!("added section '{}' at /{}/", section.name, section.slug);
    Ok(())
}

async fn section_list(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    let all = site.store.sections().await?;
    let slug_of = |id: i64| {
        all.iter()
            .find(|s| s.id == id)
            .map_or("?", |s| s.slug.as_str())
    };
    for s in &all {
        let mut notes = Vec::new();
        if let Some(into) = s.retired_into {
            notes.push(format!("retired into {}", slug_of(into)));
        }
        if s.comments_closed {
            notes.push("comments closed".to_owned());
        }
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  ({})", notes.join(", "))
        };
        println!("{:<20} {}{notes}", s.slug, s.name);
    }
    Ok(())
}

/// The section at this address, or an error that lists the addresses.
async fn section_by_slug(site: &Site, slug: &str) -> anyhow::Result<bestpick_store::Section> {
    if let Some(section) = site.store.section_by_slug(slug).await? {
        return Ok(section);
    }
    let known = sections::addresses(site).await?;
    bail!(
        "there is no section '{slug}' (the sections are: {}); `bestpick section list` shows them",
        known.join(", ")
    )
}

async fn section_rename(
    data: &DataArg,
    slug: &str,
    name: &str,
    description: Option<&str>,
) -> anyhow::Result<()> {
    let site = data.open().await?;
    let admin = first_admin(&site).await?;
    let section = section_by_slug(&site, slug).await?;
    let description = description.unwrap_or(&section.description);
    sections::update(&site, &admin, section.id, name, description).await?;
    println!("renamed /{slug}/ to '{}'", name.trim());
    Ok(())
}

async fn section_retire(data: &DataArg, slug: &str, into: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    let admin = first_admin(&site).await?;
    let section = section_by_slug(&site, slug).await?;
    let target = section_by_slug(&site, into).await?;
    sections::retire(&site, &admin, section.id, &target.id.to_string()).await?;
    println!("retired /{slug}/ into /{into}/: its posts and addresses are there now");
    Ok(())
}

async fn settings_list(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    for (key, value) in settings::list(&site).await? {
        println!("{key} = {value}");
    }
    Ok(())
}

async fn settings_set(data: &DataArg, key: &str, value: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    settings::set(&site, key, value).await?;
    println!("{key} = {}", value.trim());
    Ok(())
}

async fn comments_export(data: &DataArg, email: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    let exported = moderation::export_commenter(&site, email).await?;
    println!("{}", serde_json::to_string_pretty(&exported)?);
    Ok(())
}

async fn comments_erase(data: &DataArg, email: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    let n = moderation::erase_commenter(&site, email).await?;
    println!(
        "Erased {n} comment{} written with {}.",
        if n == 1 { "" } else { "s" },
        email.trim().to_lowercase()
    );
    Ok(())
}

async fn load_demo(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    let report = demo::load(&site)
        .await
        .context("could not load the demo content")?;
    println!("Loaded {} demo posts ({}).", report.posts, data.describe());
    if let Some((username, password)) = report.admin {
        println!("Admin account created: {username} / {password}");
        println!(
            "The password is shown only once; change it with `bestpick user passwd {username}`."
        );
    }
    Ok(())
}

async fn user_add(
    data: &DataArg,
    name: &str,
    role: RoleArg,
    display_name: Option<&str>,
) -> anyhow::Result<()> {
    let site = data.open().await?;
    let password = read_password(&format!("Password for {name}"))?;
    let user = accounts::add_user(
        &site,
        name,
        display_name.unwrap_or(""),
        role.into(),
        &password,
    )
    .await
    .map_err(account_error)?;
    println!("Added {} ({}).", user.username, user.role.as_str());
    Ok(())
}

async fn user_list(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    for u in site.store.users().await? {
        println!(
            "{:<24} {:<8} {}",
            u.username,
            u.role.as_str(),
            u.display_name
        );
    }
    Ok(())
}

async fn user_passwd(data: &DataArg, name: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    let password = read_password(&format!("New password for {name}"))?;
    accounts::set_password(&site, name, &password)
        .await
        .map_err(account_error)?;
    println!("Password changed for {name}; their sessions and API tokens were ended.");
    Ok(())
}

async fn user_remove(data: &DataArg, name: &str, posts_to: Option<&str>) -> anyhow::Result<()> {
    let site = data.open().await?;
    accounts::remove_user(&site, name, posts_to)
        .await
        .map_err(account_error)?;
    match posts_to {
        Some(to) => println!("Removed {name}; their posts are now {to}'s."),
        None => println!("Removed {name}."),
    }
    Ok(())
}

async fn export_posts(data: &DataArg, dir: &Path) -> anyhow::Result<()> {
    let site = data.open().await?;
    let n = export::export_all(&site, dir)
        .await
        .with_context(|| format!("could not export to {}", dir.display()))?;
    println!("Exported {n} posts to {}.", dir.display());
    Ok(())
}

async fn token_create(
    data: &DataArg,
    name: &str,
    user: Option<&str>,
    expires: Option<&str>,
) -> anyhow::Result<()> {
    let site = data.open().await?;
    let username = match user {
        Some(u) => u.to_owned(),
        None => first_admin(&site).await?.username,
    };
    let expires_at = match expires {
        Some(e) => Some(
            accounts::parse_expiry(e, site.now())
                .map_err(|e| anyhow::anyhow!("--expires: {}", e.message))?,
        ),
        None => None,
    };
    let token = accounts::create_token(&site, name, &username, expires_at)
        .await
        .map_err(account_error)?;
    println!("{token}");
    let until = match expires_at {
        Some(t) => format!(" until {}", day(t)),
        None => String::new(),
    };
    eprintln!(
        "This token acts as {username}{until}. It is shown only once: keep it safe \
         (`bestpick token revoke {name}` ends it)."
    );
    Ok(())
}

async fn token_list(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    let tokens = site.store.api_tokens().await?;
    if tokens.is_empty() {
        println!("No API tokens.");
        return Ok(());
    }
    let date = |t: Option<i64>, none: &str| t.map_or(none.to_owned(), day);
    println!("ID\tNAME\tUSER\tTOKEN\tCREATED\tLAST USED\tEXPIRES");
    for t in tokens {
        println!(
            "{}\t{}\t{}\t{}…\t{}\t{}\t{}",
            t.id,
            t.name,
            t.username,
            t.prefix,
            date(Some(t.created_at), ""),
            date(t.last_used_at, "never"),
            date(t.expires_at, "never"),
        );
    }
    Ok(())
}

/// A Unix time as the day it falls on (UTC).
fn day(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .map(bestpick_core::format::iso_date)
        .unwrap_or_else(|_| t.to_string())
}

async fn token_revoke(data: &DataArg, token: &str) -> anyhow::Result<()> {
    let site = data.open().await?;
    let name = accounts::revoke_token(&site, token)
        .await
        .map_err(account_error)?;
    println!("Revoked the token '{name}': it no longer works.");
    Ok(())
}

async fn first_admin(site: &Site) -> anyhow::Result<bestpick_store::User> {
    site.store.first_admin().await?.context(NO_ADMIN)
}

/// Keeps this thread, and the threads it starts from now on (each SQLite
/// connection's own), on the processor it runs on. An import on SQLite is a
/// conversation between this thread (`block_on`'s, not a runtime worker's)
/// and the writer's: every statement hands over from one to the other and
/// back, never both at work at once, and a hand-over between two processors
/// costs a wake-up across them (importing 20,000 picks: 27 s on two
/// processors, 13.5 s on one). PostgreSQL's statements go through the
/// runtime's workers, which stay free.
#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
fn one_processor(data: &DataArg) -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    if data.location()?.engine() == bestpick_store::Engine::Sqlite {
        use rustix::thread::{sched_getcpu, sched_setaffinity, CpuSet};
        let cpu = sched_getcpu();
        if cpu < CpuSet::MAX_CPU {
            let mut set = CpuSet::new();
            set.set(cpu);
            // Left as it was when refused: only slower.
            let _ = sched_setaffinity(None, &set);
        }
    }
    Ok(())
}

/// Imports every file it can; exits with failure when any file failed.
async fn import_files(
    data: &DataArg,
    paths: &[PathBuf],
    create_sections: bool,
) -> anyhow::Result<ExitCode> {
    one_processor(data)?;
    let site = data.open().await?;
    let admin = first_admin(&site).await?;
    let files = import::collect_files(paths)?;
    let missing = import::missing_sections(&site, &files).await?;
    if create_sections {
        for s in import::create_sections(&site, &admin, &missing).await? {
            println!("Added section '{}' at /{}/.", s.name, s.slug);
        }
    } else if !missing.is_empty() {
        // Files naming them fail one by one below; say once what to do.
        eprintln!(
            "The site has no section {}: add each with `bestpick section add NAME --slug SLUG`, \
             or import with --create-sections.",
            missing.join(", ")
        );
    }
    let bar = progress_bar(files.len());
    let (mut created, mut updated, mut failed) = (0, 0, 0);
    import::import_files(&site, &files, &admin, |file, result| {
        bar.set_message(file.display().to_string());
        match result {
            Ok(done) if done.created => created += 1,
            Ok(_) => updated += 1,
            Err(errors) => {
                failed += 1;
                bar.suspend(|| {
                    for e in &errors {
                        eprintln!("{}", located(file, e));
                    }
                });
            }
        }
        bar.inc(1);
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "Imported {} files ({created} created, {updated} updated), {failed} failed.",
        created + updated
    );
    let waiting = site.store.related_stale_count().await?;
    if waiting > 0 {
        println!(
            "The related picks of {waiting} picks wait: the server computes them in the \
             background, `bestpick related` at once."
        );
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Computes the related picks an import left to compute, a few at a time,
/// and says how long they took.
async fn relate_stale(data: &DataArg) -> anyhow::Result<()> {
    let site = data.open().await?;
    let waiting = site.store.related_stale_count().await?;
    let bar = progress_bar(waiting as usize);
    let start = std::time::Instant::now();
    let mut done = 0;
    loop {
        let n = site.store.relate_stale(24).await?;
        if n == 0 {
            break;
        }
        done += n;
        bar.set_position(done as u64);
    }
    bar.finish_and_clear();
    let secs = start.elapsed().as_secs_f64();
    println!(
        "computed the related picks of {done} picks in {secs:.1} s ({:.2} ms a pick)",
        if done > 0 {
            secs * 1000.0 / done as f64
        } else {
            0.0
        }
    );
    Ok(())
}

fn progress_bar(files: usize) -> ProgressBar {
    if files <= PROGRESS_THRESHOLD || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(files as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .expect("a valid progress template"),
    );
    bar
}

/// Copies a whole site from one database to another and prints, per
/// table, its rows and whether both sides agree.
async fn copy_site(from: &Location, to: &Location, resume: bool) -> anyhow::Result<()> {
    let source = Store::open(from, Clock::system())
        .await
        .with_context(|| format!("could not open {from}"))?;
    let dest = Store::open(to, Clock::system())
        .await
        .with_context(|| format!("could not open {to}"))?;
    if !resume && !dest.is_empty().await? {
        bail!("{to} already holds a site: copy into an empty database (or --resume a copy that was cut short)");
    }
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} rows {eta}")
                .expect("a valid progress template"),
        );
        bar
    } else {
        ProgressBar::hidden()
    };
    let report = source
        .copy_into(&dest, |p: CopyProgress| {
            bar.set_length(p.total);
            bar.set_position(p.done);
        })
        .await?;
    bar.finish_and_clear();
    let mut differ = Vec::new();
    for t in &report {
        println!(
            "{:<16} {:>9} rows  sha256 {}  {}",
            t.table,
            t.rows,
            &t.checksum[..16],
            if t.verified { "same" } else { "DIFFERS" }
        );
        if !t.verified {
            differ.push(t.table);
        }
    }
    source.close().await;
    dest.close().await;
    if !differ.is_empty() {
        bail!(
            "{to} differs from {from} in {}: it held other rows before the copy, or rows \
             copied by an earlier run changed since; copy again into an empty database",
            differ.join(", ")
        );
    }
    let rows: u64 = report.iter().map(|t| t.rows).sum();
    println!("Copied {rows} rows from {from} to {to}; every table verified.");
    Ok(())
}

/// `FILE:LINE: FIELD: message`, leaving out what is unknown.
fn located(file: &Path, e: &DocumentError) -> String {
    let mut out = file.display().to_string();
    if let Some(line) = e.line {
        out.push_str(&format!(":{line}"));
    }
    if let Some(field) = &e.field {
        out.push_str(&format!(": {field}"));
    }
    out.push_str(&format!(": {}", e.message));
    out
}

/// A password from the terminal (asked twice) or the first line of stdin.
fn read_password(prompt: &str) -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(format!("{prompt}: "))
            .context("could not read the password")?;
        let again = rpassword::prompt_password("Again: ").context("could not read the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        return Ok(first);
    }
    let mut line = String::new();
    let read = std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("could not read the password from stdin")?;
    if read == 0 {
        bail!("no password: give it on stdin, or run the command in a terminal");
    }
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Refused input becomes one `field: message` line per problem.
fn account_error(e: AccountError) -> anyhow::Error {
    match e {
        AccountError::Invalid(errors) => {
            let lines: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            anyhow::anyhow!("{}", lines.join("\n  "))
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_errors_leave_out_what_is_unknown() {
        let file = Path::new("posts/a.md");
        let e = |line, field: Option<&str>| DocumentError {
            line,
            field: field.map(str::to_owned),
            message: "wrong".into(),
        };
        assert_eq!(
            located(file, &e(Some(3), Some("title"))),
            "posts/a.md:3: title: wrong"
        );
        assert_eq!(
            located(file, &e(None, Some("title"))),
            "posts/a.md: title: wrong"
        );
        assert_eq!(located(file, &e(Some(3), None)), "posts/a.md:3: wrong");
        assert_eq!(located(file, &e(None, None)), "posts/a.md: wrong");
    }
}
